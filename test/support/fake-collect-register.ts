/** `node --import <this> dist/src/cli/main.js …`: the CLI with fake-collect.js as its collector. */
import { register } from 'node:module';

register('./fake-collect-hooks.js', import.meta.url);
