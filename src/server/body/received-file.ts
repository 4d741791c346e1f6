import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DomainError } from '../../core/errors.js';
import { sizeText, type InputLimits } from '../limits.js';

/**
 * A file body received whole: small ones in memory, larger ones in a temporary file, so the import
 * that reads it never waits on the network and its memory stays bounded. `dispose` removes the file.
 */
export class ReceivedFile {
  private disposed = false;

  private constructor(
    readonly size: number,
    private readonly memory: readonly Buffer[] | null,
    private readonly folder: string | null,
  ) {}

  /** The bytes, from the start, as a stream. */
  open(): Readable {
    if (this.disposed) throw new Error('the received file was already removed');
    if (this.memory) return Readable.from(this.memory);
    return createReadStream(join(this.folder ?? '', 'body'), { highWaterMark: 64 * 1024 });
  }

  /** Removes the temporary file; safe to call more than once. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.folder) await rm(this.folder, { recursive: true, force: true });
  }

  /**
   * Reads `body` to its end: up to `spoolAbove` bytes in memory, the rest spooled to a temporary
   * file. More than `maxBytes` fails with a 413; a failed or timed-out body leaves no file behind.
   */
  static async receive(
    body: Readable,
    limits: Pick<InputLimits, 'fileBytes' | 'spoolAboveBytes' | 'spoolDir'>,
  ): Promise<ReceivedFile> {
    const { fileBytes: maxBytes, spoolAboveBytes: spoolAbove } = limits;
    const chunks: Buffer[] = [];
    let size = 0;
    let folder: string | null = null;
    let file: FileHandle | null = null;
    try {
      for await (const chunk of body as AsyncIterable<Buffer | string>) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        size += bytes.length;
        if (size > maxBytes) {
          body.destroy();
          throw new DomainError('too_large', `The file is larger than the limit of ${sizeText(maxBytes)}`, {
            limitBytes: maxBytes,
          });
        }
        if (!file && size <= spoolAbove) {
          chunks.push(bytes);
          continue;
        }
        if (!file) {
          folder = await mkdtemp(join(limits.spoolDir, 'trialdesk-upload-'));
          file = await open(join(folder, 'body'), 'wx', 0o600);
          for (const c of chunks.splice(0)) await file.write(c);
        }
        await file.write(bytes);
      }
      await file?.close();
      file = null;
      return new ReceivedFile(size, folder ? null : chunks, folder);
    } catch (e) {
      await file?.close().catch(() => undefined);
      if (folder) await rm(folder, { recursive: true, force: true });
      throw e;
    }
  }
}
