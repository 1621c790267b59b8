import Fetch from './fetch.js';
import Generate from './generate.js';
import Sanitize from './sanitize.js';

/** Every command, by id: oclif loads this map instead of scanning the folder (faster start-up). */
export const COMMANDS = {
  fetch: Fetch,
  generate: Generate,
  sanitize: Sanitize,
};
