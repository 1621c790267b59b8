/**
 * The part of oclif.manifest.json (written by `npm run build`) that the man page and the shell
 * completions are generated from: the same commands, flags, arguments and examples `--help` shows.
 */

export interface ManifestFlag {
  readonly name: string;
  readonly type: 'option' | 'boolean';
  readonly char?: string;
  readonly description?: string;
  readonly summary?: string;
  readonly options?: readonly string[];
  readonly default?: unknown;
  readonly multiple?: boolean;
  readonly allowNo?: boolean;
  readonly hidden?: boolean;
  readonly helpGroup?: string;
}

export interface ManifestArg {
  readonly name: string;
  readonly description?: string;
  readonly options?: readonly string[];
}

export interface ManifestCommand {
  readonly id: string;
  readonly summary?: string;
  readonly description?: string;
  readonly hidden?: boolean;
  readonly examples?: readonly (string | { readonly description?: string; readonly command: string })[];
  readonly flags: Readonly<Record<string, ManifestFlag>>;
  readonly args: Readonly<Record<string, ManifestArg>>;
}

export interface Manifest {
  readonly commands: Readonly<Record<string, ManifestCommand>>;
  /** Topics (`store`) with their descriptions: package.json `oclif.topics`. */
  readonly topics?: Readonly<Record<string, { readonly description?: string }>>;
}

/** The visible commands, by id. */
export function visibleCommands(manifest: Manifest): ManifestCommand[] {
  return Object.values(manifest.commands)
    .filter((c) => c.hidden !== true)
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The visible flags of a command, by name. */
export function visibleFlags(command: ManifestCommand): ManifestFlag[] {
  return Object.values(command.flags)
    .filter((f) => f.hidden !== true)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** An example's command line with oclif's placeholders filled in. */
export function exampleText(command: string, id: string, bin = 'tickpipe'): string {
  return command.replaceAll('<%= config.bin %>', bin).replaceAll('<%= command.id %>', id);
}
