export {
  checkRepositoryName,
  checkTag,
  familiarString,
  formatReference,
  isValidRepositoryName,
  isValidTag,
  parseReference,
  tryParseReference,
  familiarReference,
  type Reference,
} from './reference.js';
