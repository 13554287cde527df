/** The methods that change something: the ones a body, a cookie or another site's page may use to do harm. */
export const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
