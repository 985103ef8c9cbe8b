import { resolve } from 'node:path';
import { Command } from 'commander';
import { loadCatalogFile, ProductCatalog } from '../catalog';
import { loadConfig } from '../config';
import { loadPersonaLibrary, Persona } from '../simulator';

export interface CatalogFlags {
  catalog?: string;
  personas?: string;
}

/** `--catalog FILE` and `--personas FILE`: what the agent sells and who the simulator plays, for commands that run the agent offline. */
export function addCatalogOptions(command: Command): Command {
  return command
    .option('--catalog <file>', 'product catalog JSON (default: CATALOG_PATH, else the shipped Pipewise catalog)')
    .option('--personas <file>', "persona library JSON whose needs are the catalog's features (default: PERSONAS_PATH, else the shipped library)");
}

/** The catalog and personas a command runs with: its flags, else the server's configuration. */
export function catalogAndPersonas(flags: CatalogFlags): { catalog: ProductCatalog; personas: Persona[] } {
  const config = loadConfig();
  const catalog = flags.catalog ? loadCatalogFile(resolve(flags.catalog)) : config.catalog;
  return { catalog, personas: loadPersonaLibrary(catalog, flags.personas ? resolve(flags.personas) : config.personasPath) };
}
