import { Injectable, Module, OnApplicationBootstrap } from '@nestjs/common';
import { defaultPersonas } from './default-personas';
import { PersonaRepository } from './persona.repository';

@Injectable()
class PersonaLibrarySeeder implements OnApplicationBootstrap {
  constructor(private readonly personas: PersonaRepository) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.personas.seed(defaultPersonas);
  }
}

/** Personas in the database (seeded from the library at start-up) for training and evaluation. */
@Module({
  providers: [PersonaRepository, PersonaLibrarySeeder],
  exports: [PersonaRepository],
})
export class SimulatorModule {}
