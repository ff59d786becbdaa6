import { stat } from 'node:fs/promises';

/** Whether something is at `path` (following links); any error reads as no. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
