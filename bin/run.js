#!/usr/bin/env node
import { execute, settings } from '@oclif/core';

// The installed program runs dist/ only: no looking for TypeScript sources, whatever NODE_ENV says.
settings.enableAutoTranspile = false;
await execute({ dir: import.meta.url });
