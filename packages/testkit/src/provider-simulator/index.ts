export * from './provider-answers.ts';
export type { SimStep } from './script.ts';
export type { ProviderSimulator, RecordedRequest, SimulatorOptions } from './server.ts';
export { startProviderSimulator } from './server.ts';
