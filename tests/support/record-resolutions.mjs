// Loaded with `node --import` by tests only: records every module URL the process
// resolves into the file named by TIERCTL_TEST_RESOLVE_LOG, so a test can prove what a
// run did (or did not) load. Not part of tierctl.
import { register } from 'node:module';

register('./record-resolutions-hooks.mjs', import.meta.url, { data: { log: process.env.TIERCTL_TEST_RESOLVE_LOG } });
