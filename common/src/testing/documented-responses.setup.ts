// jest setupFilesAfterEnv of every project: see checkServedResponsesAreDocumented.
import { checkServedResponsesAreDocumented } from './documented-responses';

checkServedResponsesAreDocumented();
