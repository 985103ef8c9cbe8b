import { Inject, Injectable, Module, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../config';
import { PersonaRepository } from './persona.repository';
import { loadPersonaLibrary } from './persona-library-loader';

@Injectable()
class PersonaLibrarySeeder implements OnApplicationBootstrap {
  constructor(
    private readonly personas: PersonaRepository,
    @Inject(ConfigService) private readonly config: ConfigService<AppConfig, true>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.personas.seed(loadPersonaLibrary(this.config.get('catalog', { infer: true }), this.config.get('personasPath', { infer: true })));
  }
}

/** Personas in the database (seeded from the library at start-up) for training and evaluation. */
@Module({
  providers: [PersonaRepository, PersonaLibrarySeeder],
  exports: [PersonaRepository],
})
export class SimulatorModule {}
