import { TierctlError, type Outcome } from '../../errors.js';

export async function run(): Promise<Outcome> {
  throw new TierctlError('init is not implemented yet');
}
