export { ShutdownDrain, ShuttingDownError } from './drain';
export { ShutdownModule } from './shutdown.module';
export { refuseConnectionsWhileDraining } from './refuse-connections';
