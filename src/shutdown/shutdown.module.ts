import { Global, Module } from '@nestjs/common';
import { ShutdownDrain } from './drain';

/** One drain switch for the whole app: main.ts flips it, readiness and the chat gateways obey it. */
@Global()
@Module({ providers: [ShutdownDrain], exports: [ShutdownDrain] })
export class ShutdownModule {}
