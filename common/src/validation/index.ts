export { OBJECT_ID_PATTERN, isObjectId } from './object-id';
export { characterCount } from './characters';
export { fieldMessages, requestMessages } from './messages';
export { idField, textField, textQuery } from './fields';
