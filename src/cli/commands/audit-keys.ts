import { createPrivateKey, createPublicKey } from 'node:crypto';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseCheckpoint, type SignedCheckpoint } from '../../core/audit/checkpoint.js';
import { usageError, type CliIo } from '../io.js';

/** Reads a file the user named, or says which option's file cannot be read and why. */
async function readNamed(io: CliIo, path: string, option: string): Promise<string> {
  try {
    return await readFile(resolve(io.cwd, path), 'utf8');
  } catch (e) {
    throw usageError(`${option}: cannot read ${path}: ${(e as Error).message}`);
  }
}

/** Writes a new file, refusing to overwrite one (a key lost to a typo cannot be recovered). */
export async function writeNew(io: CliIo, path: string, text: string, mode: number, option: string) {
  const full = resolve(io.cwd, path);
  try {
    await writeFile(full, text, { mode, flag: 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw usageError(
      code === 'EEXIST'
        ? `${option}: ${path} exists already; choose another name (nothing was overwritten)`
        : `${option}: cannot write ${path}: ${(e as Error).message}`,
    );
  }
  // The process umask may have narrowed the mode; a private key must be exactly owner-only.
  await chmod(full, mode);
}

/** The signing key: a PEM Ed25519 private key that only its owner can read. */
export async function readPrivateKey(io: CliIo, path: string): Promise<string> {
  const pem = await readNamed(io, path, '--key');
  const { mode } = await stat(resolve(io.cwd, path));
  if ((mode & 0o077) !== 0)
    throw usageError(
      `--key: ${path} can be read by others (mode ${(mode & 0o777).toString(8)}); make it owner-only: chmod 600 ${path}`,
    );
  try {
    if (createPrivateKey(pem).asymmetricKeyType === 'ed25519') return pem;
  } catch {
    // Reported below.
  }
  throw usageError(
    `--key: ${path} is not an Ed25519 private key in PEM (make one with trialdesk audit keygen)`,
  );
}

/** A checkpoint file and the public key to check it with. */
export async function readCheckpoint(
  io: CliIo,
  checkpointPath: string,
  publicKeyPath: string,
): Promise<{ checkpoint: SignedCheckpoint; publicKeyPem: string }> {
  const text = await readNamed(io, checkpointPath, '--checkpoint');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw usageError(`--checkpoint: ${checkpointPath} is not JSON: ${(e as Error).message}`);
  }
  const checkpoint = parseCheckpoint(parsed);
  const publicKeyPem = await readNamed(io, publicKeyPath, '--public-key');
  try {
    if (createPublicKey(publicKeyPem).asymmetricKeyType === 'ed25519') return { checkpoint, publicKeyPem };
  } catch {
    // Reported below.
  }
  throw usageError(`--public-key: ${publicKeyPath} is not an Ed25519 public key in PEM`);
}
