/*
 * The browser the browser tests drive, from the project's own files: the devDependency
 * `@sparticuz/chromium` ships a compressed headless Chromium inside the npm package (built for AWS
 * Lambda, statically linked but for glibc and NSS), so `npm ci` is all a fresh machine needs.
 * `CHROMIUM_PATH` points at another Chromium instead (Debian's /usr/bin/chromium, for example).
 *
 * The package unpacks the browser, its fonts and SwiftShader into the system's temporary folder.
 * It unpacks its copy of NSS (the libraries Chromium links besides glibc) only on Amazon Linux, so
 * this does it on every system and puts them first on the browser's library path: Chromium then
 * starts on a machine without Debian's libnss3, and never depends on which one is installed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { runOk } from './child-process';

export interface BrowserLaunch {
  /** The Chromium executable. */
  readonly executablePath: string;
  /** Arguments for a headless run as root, in a container without a GPU. */
  readonly args: string[];
  /** The browser's environment. */
  readonly env: { [name: string]: string | undefined };
}

/** How to launch Chromium: `CHROMIUM_PATH` if set, else the one `@sparticuz/chromium` ships. */
export async function chromiumLaunch(): Promise<BrowserLaunch> {
  const args = ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'];
  const override = process.env.CHROMIUM_PATH;
  if (override) {
    if (!fs.existsSync(override)) throw new Error(`CHROMIUM_PATH is ${override}, which does not exist: unset it to use the Chromium of @sparticuz/chromium`);
    return { executablePath: override, args, env: { ...process.env } };
  }
  type Packaged = { executablePath(input?: string): Promise<string> };
  // The CommonJS build exports the class itself; its typings describe an ES module's default.
  const loaded = require('@sparticuz/chromium') as Packaged & { default?: Packaged };
  const executablePath = await (loaded.default ?? loaded).executablePath();
  const libs = nssLibraries();
  const fonts = path.join(os.tmpdir(), 'fonts');
  return {
    executablePath,
    args,
    env: {
      ...process.env,
      LD_LIBRARY_PATH: [libs, process.env.LD_LIBRARY_PATH].filter((p) => p).join(':'),
      ...(fs.existsSync(path.join(fonts, 'fonts.conf')) ? { FONTCONFIG_PATH: fonts } : {}),
    },
  };
}

/** Unpacks the package's NSS libraries (al2023.tar.br) once per version; returns their folder. */
function nssLibraries(): string {
  // build/cjs/index.cjs in the package (its exports map hides package.json).
  const pkgDir = path.resolve(path.dirname(require.resolve('@sparticuz/chromium')), '..', '..');
  const version = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;
  const dir = path.join(os.tmpdir(), `cdk-secure-iot-chromium-libs-${version}`);
  if (!fs.existsSync(path.join(dir, 'lib', 'libnss3.so'))) {
    const work = fs.mkdtempSync(`${dir}-work-`);
    const tar = path.join(work, 'al2023.tar');
    fs.writeFileSync(tar, zlib.brotliDecompressSync(fs.readFileSync(path.join(pkgDir, 'bin', 'al2023.tar.br'))));
    runOk('tar', ['-xf', tar, '-C', work], { cwd: work, timeoutMs: 60_000 });
    fs.rmSync(tar);
    try {
      fs.renameSync(work, dir);
    } catch {
      // Another process unpacked them first.
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
  return path.join(dir, 'lib');
}
