import { crashSuite } from './crash-scenario.ts';

crashSuite('odd');
