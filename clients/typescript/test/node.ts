// Starts a real `publica dev` node for the tests: on port 0, in a fresh
// temporary directory, killed and removed at the end.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running node. */
export interface TestNode {
  url: string;
  /** The log key the node printed at start (`publica: log key …`). */
  logKey: string;
  dataDir: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

/** Starts `bin dev`; rejects (never skips) when it does not come up. */
export async function startNode(bin: string): Promise<TestNode> {
  if (!existsSync(bin)) throw new Error(`PUBLICA_BIN=${bin} does not exist: build it with \`cargo build --bin publica\``);
  const root = mkdtempSync(join(tmpdir(), 'publica-ts-'));
  const dataDir = join(root, 'data');
  const child = spawn(bin, ['dev', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--block-ms', '20'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const stop = async () => {
    await kill(child);
    rmSync(root, { recursive: true, force: true });
  };
  // If the test process dies first, do not leave the node behind.
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  try {
    const { url, logKey } = await new Promise<{ url: string; logKey: string }>((resolve, reject) => {
      let out = '';
      let logKey = '';
      const timer = setTimeout(() => reject(new Error(`the node did not print its address within ${START_TIMEOUT_MS / 1000} s\n${stderr}`)), START_TIMEOUT_MS);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`cannot start ${bin}: ${error.message}`));
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the node exited (${signal ?? code}) before listening\n${stderr}`));
      });
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        let newline: number;
        while ((newline = out.indexOf('\n')) >= 0) {
          const line = out.slice(0, newline);
          out = out.slice(newline + 1);
          if (line.startsWith('publica: log key ')) logKey = line.slice('publica: log key '.length).trim();
          if (line.startsWith('publica: listening on ')) {
            clearTimeout(timer);
            resolve({ url: line.split(' ').pop()!.trim(), logKey });
          }
        }
      });
    });
    child.removeAllListeners('exit');
    return {
      url,
      logKey,
      dataDir,
      stop: async () => {
        process.removeListener('exit', onExit);
        await stop();
      },
    };
  } catch (error) {
    process.removeListener('exit', onExit);
    await stop();
    throw error;
  }
}

/** SIGTERM, then SIGKILL after 10 s. */
async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** The dev admin key file the node wrote. */
export function devAdminKeyFile(node: TestNode): string {
  return readFileSync(join(node.dataDir, 'dev-admin-key.json'), 'utf8');
}
