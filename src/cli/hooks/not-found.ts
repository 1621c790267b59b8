/**
 * oclif's `command_not_found` hook: `tickpipe backtets` is a usage error (exit 2) with a "did you
 * mean" and a pointer to the list of commands. (@oclif/plugin-not-found is not used: it asks
 * interactively whether to run its guess, which a pipeline or cron job cannot answer.)
 */

import type { Hook } from '@oclif/core';
import { colourFor } from '../colour.js';
import { notACommandId } from '../suggest.js';

const hook: Hook<'command_not_found'> = async function notFound(options) {
  const ids = options.config.commands.filter((c) => !c.hidden).map((c) => c.id);
  const red = colourFor(process.stderr).red;
  process.stderr.write(`tickpipe: ${red('error:')} ${notACommandId(options.id, ids)}\n`);
  process.exitCode = 2;
};

export default hook;
