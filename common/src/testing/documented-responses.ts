import { servedResponses, type ServedResponse } from '../kit/served-responses';

function isDocumented({ method, path, status, openApi }: ServedResponse): boolean {
  const operation = openApi.document.paths[path]?.[method] as { responses?: Record<string, unknown> } | undefined;
  return operation?.responses?.[String(status)] !== undefined;
}

function isDescribedByDocument({ path, openApi }: ServedResponse): boolean {
  return path.startsWith(openApi.basePath) && !path.startsWith(`${openApi.basePath}/docs`);
}

export interface UndocumentedResponses {
  /** Stops recording; the responses seen whose status the app's document does not list for the route. */
  stop(): string[];
}

/** Records, from now on, every response of a documented service app that its OpenAPI document does not list. */
export function recordUndocumentedResponses(): UndocumentedResponses {
  const undocumented = new Set<string>();
  const onResponse = (message: unknown) => {
    const response = message as ServedResponse;
    if (isDescribedByDocument(response) && !isDocumented(response)) {
      undocumented.add(
        `${response.method.toUpperCase()} ${response.path} answered ${response.status}, not in the OpenAPI document`,
      );
    }
  };
  servedResponses.subscribe(onResponse);
  return {
    stop() {
      servedResponses.unsubscribe(onResponse);
      return [...undocumented];
    },
  };
}

/**
 * Fails the test file (in an afterAll hook) if any route of a documented service app answered
 * with a status its OpenAPI document does not list for that route. Installed for every test file
 * by jest's setupFilesAfterEnv, so every status seen by any test is checked against the documents.
 */
export function checkServedResponsesAreDocumented(): void {
  let recording: UndocumentedResponses;
  beforeAll(() => {
    recording = recordUndocumentedResponses();
  });
  afterAll(() => {
    expect(recording.stop()).toEqual([]);
  });
}
