import { Module } from '@nestjs/common';
import { defaultCatalog } from '../catalog';
import { TurnScoring } from './turn-scoring';

/** The turn scorers for the live chat loop, on the shipped catalog and rules. */
@Module({
  providers: [{ provide: TurnScoring, useFactory: () => new TurnScoring(defaultCatalog) }],
  exports: [TurnScoring],
})
export class ScoringModule {}
