import { readFileSync } from 'node:fs';
import { ProductCatalog } from '../catalog';
import { InvalidPersonasError, parsePersonas, Persona } from './persona';
import heldOutPersonasJson from './persona-heldout.json';
import shippedPersonasJson from './persona-library.json';

/**
 * The visitors the simulator plays: the library at `path` (PERSONAS_PATH, --personas), or the one
 * shipped with Closer, validated against the catalog (every need must be one of its features).
 * The shipped library is written for the shipped Pipewise catalog; another catalog usually needs
 * its own library, which the error says.
 */
export function loadPersonaLibrary(catalog: ProductCatalog, path?: string): Persona[] {
  const features = Object.keys(catalog.features);
  if (path !== undefined) return parsePersonas(readJson(path), features, path);
  try {
    return parsePersonas(structuredClone(shippedPersonasJson), features, 'the shipped persona library');
  } catch (err) {
    if (!(err instanceof InvalidPersonasError)) throw err;
    throw new InvalidPersonasError(`${err.message}; the shipped personas are written for the Pipewise catalog: give ${catalog.product}'s own (PERSONAS_PATH or --personas FILE)`);
  }
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InvalidPersonasError(`${path}: ${err instanceof SyntaxError ? `not valid JSON (${err.message})` : `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`}`);
  }
}

/**
 * Personas written for evaluation only (docs/results/duca-regimes.md, set E3): never trained on,
 * so a result on them says how a policy does with visitors it has not met. Pipewise catalog.
 */
export function loadHeldOutPersonas(catalog: ProductCatalog): Persona[] {
  return parsePersonas(structuredClone(heldOutPersonasJson), Object.keys(catalog.features), 'the held-out persona set');
}
