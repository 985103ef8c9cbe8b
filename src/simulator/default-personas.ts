import { defaultCatalog } from '../catalog';
import defaultPersonasJson from './persona-library.json';
import { parsePersonas } from './persona';

/** The persona library shipped with Closer (seeded into the `personas` table at start-up). */
export const defaultPersonas = parsePersonas(defaultPersonasJson, Object.keys(defaultCatalog.features));
