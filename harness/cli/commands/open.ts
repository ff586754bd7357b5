/**
 * Opens a file in the desktop's browser: xdg-open on Linux, open on macOS, start on Windows.
 * Detached, so that poshil returns at once; without a desktop the path is printed instead.
 */
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';

export async function openInBrowser(path: string): Promise<string> {
  const url = pathToFileURL(path).href;
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  const started = await new Promise<boolean>((resolve) => {
    const child = spawn(command, args as string[], { detached: true, stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
  return started ? `opened ${path}` : `cannot start ${command} (no desktop?); the report is ${path}`;
}
