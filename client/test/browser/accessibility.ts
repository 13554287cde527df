// The accessibility scan: axe-core injected into the page as it is now, its serious and critical
// violations reported one line each.
import axe from 'axe-core';
import type { Page } from 'playwright-core';

/** A violation as the report shows it: which rule, how bad, what to do and where. */
interface Violation {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/** The serious and critical violations axe finds on the page, as `rule (impact): help at selector, ...`. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which no Content-Security-Policy governs: a script
  // element added to the page would be refused by a strict policy (the local mail inbox's allows no script).
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async (): Promise<Violation[]> => {
    const { axe: injected } = window as unknown as { axe: typeof axe };
    const results = await injected.run(document, { resultTypes: ['violations'] });
    return results.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => ({
        id: violation.id,
        impact: violation.impact ?? 'unknown',
        help: violation.help,
        targets: violation.nodes.map((node) => node.target.join(' ')),
      }));
  });
  return violations.map(({ id, impact, help, targets }) => `${id} (${impact}): ${help} at ${targets.join(', ')}`);
}
