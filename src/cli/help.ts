/**
 * tickpipe's help class (package.json `oclif.helpClass`): oclif's help, plus
 * - a "did you mean" and exit 2 for `tickpipe help backtets` (oclif's own says "command not found"
 *   and exits 2 without a suggestion);
 * - links: every `docs/NAME.md` the help mentions is also given as a URL under the package's
 *   homepage, since an installed package has no docs folder beside the user's shell.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Help } from '@oclif/core';
import { colourFor } from './colour.js';
import { notACommandId } from './suggest.js';

/** Where the docs are read on the web (package.json `homepage`; the URL is the project's assumption). */
export function docsBase(homepage: unknown): string | undefined {
  if (typeof homepage !== 'string' || homepage === '') return undefined;
  return `${homepage.replace(/#.*$/, '').replace(/\/$/, '')}/blob/main/`;
}

/** The docs pages named in a help text, in order of first mention. */
export function docsMentioned(text: string): string[] {
  return [...new Set(text.match(/\bdocs\/[\w-]+\.md\b/g) ?? [])];
}

export default class TickpipeHelp extends Help {
  override async showHelp(argv: string[]): Promise<void> {
    const words = argv.filter((a) => !a.startsWith('-'));
    const subject = words.find((w) => w !== 'help');
    const self = this.config.findCommand('help');
    if (words.length > 0 && subject === undefined && self !== undefined) {
      await this.showCommandHelp(self); // `help --help`, `help help`: the help command's own page
      return;
    }
    // A topic's command is more than one word (`store write`): the subject is known when the words
    // up to some length name a command, or all of them name a topic (`store`, not `store reed`).
    const subjects = words.filter((w) => w !== 'help');
    const known =
      this.config.findTopic(subjects.join(':')) !== undefined ||
      subjects.some((_, i) => this.config.findCommand(subjects.slice(0, i + 1).join(':')) !== undefined);
    if (subject !== undefined && !known) {
      const ids = this.config.commands.filter((c) => !c.hidden).map((c) => c.id);
      process.stderr.write(
        `tickpipe help: ${colourFor(process.stderr).red('error:')} ${notACommandId(subjects.join(':'), ids)}\n`,
      );
      process.exitCode = 2;
      return;
    }
    await super.showHelp(argv);
  }

  override formatCommand(command: Command.Loadable): string {
    const text = super.formatCommand(command);
    const base = docsBase(this.config.pjson.homepage);
    if (base === undefined) return text;
    const pages = docsMentioned(`${command.description ?? ''}\n${command.summary ?? ''}`);
    const own = `docs/${command.id}.md`;
    const named = existsSync(join(this.config.root, own)) ? [own, ...pages] : pages;
    const links = [...new Set([...named, 'docs/cli.md'])].map((p) => `${p}: ${base}${p}`);
    return `${text}\n\n${this.section('DOCUMENTATION', links.join('\n'))}`;
  }

  override formatRoot(): string {
    const text = super.formatRoot();
    const home = this.config.pjson.homepage;
    return typeof home === 'string' && home !== ''
      ? `${text}\n\n${this.section('DOCUMENTATION', home)}`
      : text;
  }
}
