import { readFileSync } from 'node:fs'

// Sources run from the repository (tests) and compiled files from dist/, one folder deeper, so the
// manifest is one or two levels above this file.
function readManifest (): { version: string } {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      return JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { version: string }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }
  throw new Error('package.json not found next to the sources or dist/')
}

export const packageVersion = readManifest().version
