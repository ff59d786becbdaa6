export {
  checkRepositoryName,
  checkTag,
  familiarString,
  formatReference,
  isValidRepositoryName,
  isValidTag,
  parseReference,
  type Reference,
} from './reference.js';
