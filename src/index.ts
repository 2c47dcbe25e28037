import { run } from './main.js';

// The only side effect of loading the bundle: run the action.
await run();
