// Start GOV.UK Frontend's components (exit this page, character count, conditional reveals).
// Every page works without this file; it only adds the enhancements GOV.UK built.
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();
