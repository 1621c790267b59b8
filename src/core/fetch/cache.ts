/**
 * The download cache (`fetch --cache DIR`): downloaded archive files under DIR, laid out as their
 * URL paths (`DIR/binance/data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2020-01-01.zip`), and a
 * manifest, `DIR/manifest.ndjson`, with one line per file event (the last line for a file wins):
 *
 *     {"file":"binance/data/...zip","url":"https://...","status":"ok","sha256":"...","checksum":"matched",
 *      "bytes":69497,"rows":1440,"first_time":"...","last_time":"...","fetched_at":"..."}
 *
 * `status` is `ok`, `missing` (the venue has no such file: 404) or `failed` (with `reason`);
 * `checksum` is `matched` (the published SHA-256 matched), `unpublished` (the venue publishes none).
 *
 * Safety:
 * - A file is written as `NAME.part` and renamed into place only when complete and verified, so a
 *   file under its real name is always whole. An interrupted run leaves the `.part`; the next run
 *   resumes it with a Range request.
 * - A lock (`DIR/.lock`, created exclusively, holding pid, host and start) keeps two runs from
 *   writing the same cache; a second run waits for it (up to `lockWaitMs`). The lock is a lease: its
 *   holder renews it every `heartbeatMs` (the file's modification time), and a lock not renewed for
 *   `staleMs` is stale whatever host wrote it (a crashed container cannot hold it for ever). A lock
 *   left by a dead process on this host is taken over at once.
 * - Manifest lines are appended under the lock; a torn last line (a crash mid-write) is ignored.
 */

import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { homedir, hostname } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { TickpipeError } from '../errors.js';
import { systemError } from '../io/errno.js';
import { hashFile } from './disk.js';

export interface ManifestEntry {
  readonly file: string;
  readonly url: string;
  readonly status: 'ok' | 'missing' | 'failed';
  readonly sha256?: string;
  /** The SHA-256 of the file this one replaced (the venue republished it). */
  readonly replaced?: string;
  readonly checksum?: 'matched' | 'unpublished';
  readonly bytes?: number;
  readonly rows?: number;
  readonly first_time?: string;
  readonly last_time?: string;
  readonly reason?: string;
  readonly fetched_at: string;
}

export interface CacheOptions {
  readonly lockWaitMs?: number | undefined;
  /** How often the holder renews its lease (touches the lock file); default 15 s. */
  readonly heartbeatMs?: number | undefined;
  /** A lock whose lease was not renewed for this long is stale, on any host; default 2 min. */
  readonly staleMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly log?: ((message: string) => void) | undefined;
  readonly warn?: ((message: string) => void) | undefined;
}

/** fsync of a folder, so a rename in it survives a crash; not every platform allows it. */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot open a folder; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Cache {
  private readonly entries = new Map<string, ManifestEntry>();
  private locked = false;
  private heartbeat: ReturnType<typeof setInterval> | undefined;

  private constructor(readonly dir: string) {}

  /** Opens (creating) the cache and takes its lock. */
  static async open(dir: string, options: CacheOptions = {}): Promise<Cache> {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new TickpipeError(`--cache ${dir}: ${(error as Error).message}`);
    }
    const cache = new Cache(dir);
    await cache.lock(options);
    cache.load();
    return cache;
  }

  private get lockPath(): string {
    return join(this.dir, '.lock');
  }

  private async lock(options: CacheOptions): Promise<void> {
    const deadline = Date.now() + (options.lockWaitMs ?? 10 * 60_000);
    const heartbeatMs = options.heartbeatMs ?? 15_000;
    const staleMs = Math.max(options.staleMs ?? 120_000, 2 * heartbeatMs);
    let told = false;
    for (;;) {
      try {
        const fd = openSync(this.lockPath, 'wx');
        writeSync(
          fd,
          JSON.stringify({
            pid: process.pid,
            host: hostname(),
            started: new Date().toISOString(),
            heartbeat_ms: heartbeatMs,
          }),
        );
        closeSync(fd);
        this.locked = true;
        this.heartbeat = setInterval(() => this.renew(), heartbeatMs);
        this.heartbeat.unref();
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
          throw new TickpipeError(`--cache: ${(error as Error).message}`);
      }
      let holder: { pid?: number; host?: string; started?: string } = {};
      let text = '';
      let age = 0;
      try {
        text = readFileSync(this.lockPath, 'utf8');
        age = Date.now() - statSync(this.lockPath).mtimeMs;
        holder = JSON.parse(text);
      } catch {
        // Being written right now, or torn: look again shortly (a torn lock still goes stale).
      }
      if (typeof holder.pid === 'number' && holder.host === hostname() && !alive(holder.pid)) {
        options.log?.(`cache lock left by process ${holder.pid}, which is gone: taking it over`);
        this.breakLock(text);
        continue;
      }
      if (age > staleMs) {
        options.warn?.(
          `cache lock of process ${holder.pid ?? '?'} on ${holder.host ?? '?'} was not renewed for ${Math.round(age / 1000)} s (stale after ${staleMs / 1000} s): taking it over`,
        );
        this.breakLock(text);
        continue;
      }
      if (Date.now() >= deadline)
        throw new TickpipeError(
          `cache ${this.dir} is locked by process ${holder.pid ?? '?'} on ${holder.host ?? '?'} since ${holder.started ?? '?'}, its lease renewed ${Math.round(age / 1000)} s ago (a lease not renewed for ${staleMs / 1000} s is taken over)`,
        );
      if (!told) {
        options.log?.(`cache ${this.dir} is in use by process ${holder.pid ?? '?'}; waiting`);
        told = true;
      }
      await new Promise((r) => setTimeout(r, 200));
      if (options.signal?.aborted === true) throw options.signal.reason;
    }
  }

  /** Renews the lease: the lock file's modification time is the heartbeat. */
  private renew(): void {
    try {
      const now = new Date();
      utimesSync(this.lockPath, now, now);
    } catch {
      // The folder went away, or the lock was broken by another run that judged it stale: the
      // writes of this run are still whole files (temporary name, then rename).
    }
  }

  /**
   * Removes a lock judged dead: moved aside first (atomic), then checked to be the one judged, so
   * two runs breaking the same stale lock cannot remove the fresh lock one of them just took.
   */
  private breakLock(judged: string): void {
    const aside = `${this.lockPath}.stale-${process.pid}-${Date.now()}`;
    try {
      renameSync(this.lockPath, aside);
    } catch {
      return;
    }
    let moved = '';
    try {
      moved = readFileSync(aside, 'utf8');
    } catch {
      // gone
    }
    if (moved !== judged) {
      try {
        linkSync(aside, this.lockPath);
      } catch {
        // Another lock was taken meanwhile: it stands, and the moved one is dropped.
      }
    }
    rmSync(aside, { force: true });
  }

  private load(): void {
    const path = join(this.dir, 'manifest.ndjson');
    if (!existsSync(path)) return;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line.length === 0) continue;
      try {
        const e = JSON.parse(line) as ManifestEntry;
        if (typeof e.file === 'string') this.entries.set(e.file, e);
      } catch {
        // A torn line from a crash mid-append: the file it describes is re-checked.
      }
    }
  }

  /** The manifest entry for a cache path, if any. */
  entry(file: string): ManifestEntry | undefined {
    return this.entries.get(file);
  }

  /** The path under the cache of a relative file name (already checked to be safe). */
  path(file: string): string {
    if (file.split('/').some((p) => p === '..' || p === '' || p === '.'))
      throw new Error(`unsafe cache path ${file}`);
    return join(this.dir, ...file.split('/'));
  }

  /** True when `file` is in the manifest as ok and on disk with its recorded size. */
  has(file: string): boolean {
    const e = this.entries.get(file);
    if (e === undefined || e.status !== 'ok') return false;
    try {
      return statSync(this.path(file)).size === e.bytes;
    } catch {
      return false;
    }
  }

  /** The part file a download of `file` goes to (kept between runs, for resuming). */
  partPath(file: string): string {
    const p = `${this.path(file)}.part`;
    mkdirSync(dirname(p), { recursive: true });
    return p;
  }

  /**
   * True when the cached file still is what the manifest says: its SHA-256 is hashed again from
   * the disk (a file altered in place keeps its size but not its hash). A file that no longer
   * matches is removed, so it is downloaded again.
   */
  async verify(file: string): Promise<{ ok: true } | { ok: false; found: string }> {
    const e = this.entries.get(file);
    if (e?.sha256 === undefined) return { ok: true };
    let found: string;
    try {
      found = (await hashFile(this.path(file))).sha256;
    } catch (error) {
      throw systemError(this.path(file), error);
    }
    if (found === e.sha256) return { ok: true };
    rmSync(this.path(file), { force: true });
    return { ok: false, found };
  }

  /** Moves a verified (fsynced) part file into place, and makes the rename durable. */
  commit(file: string): void {
    const target = this.path(file);
    try {
      renameSync(`${target}.part`, target);
      syncDir(dirname(target));
    } catch (error) {
      throw systemError(target, error);
    }
  }

  record(entry: ManifestEntry): void {
    this.entries.set(entry.file, entry);
    const path = join(this.dir, 'manifest.ndjson');
    try {
      appendFileSync(path, `${JSON.stringify(entry)}\n`);
    } catch (error) {
      throw systemError(path, error);
    }
  }

  close(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    if (this.locked) {
      rmSync(this.lockPath, { force: true });
      this.locked = false;
    }
  }
}

/**
 * The cache folder a run uses: `--cache`, else `TICKPIPE_CACHE`; either may be `default`, the
 * user's cache folder (`$XDG_CACHE_HOME/tickpipe`, else `~/.cache/tickpipe`), or `none` (no cache
 * for this run, whatever the environment says). Undefined: no cache (a temporary folder).
 */
export function cacheFolder(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  home: string = homedir(),
): string | undefined {
  const given = flag ?? (env.TICKPIPE_CACHE === '' ? undefined : env.TICKPIPE_CACHE);
  if (given === undefined || given === 'none') return undefined;
  if (given !== 'default') return given;
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec: a relative XDG_CACHE_HOME is invalid and is ignored.
  const base = xdg !== undefined && isAbsolute(xdg) ? xdg : join(home, '.cache');
  return join(base, 'tickpipe');
}
