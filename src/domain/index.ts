/**
 * @module
 * The domain of dyi-export: types, enumerations and errors, with no I/O and no libraries.
 *
 * Glossary
 * - **Community**: one Workplace organisation; everything else belongs to exactly one.
 * - **Member** (user): a person of a community; status active, deactivated or deleted.
 * - **Integration**: a custom integration of a community (app id and app secret) that owns
 *   access tokens; it may require `appsecret_proof` on every call.
 * - **Access token**: a bearer secret of one integration with permissions
 *   (`read_company_data_exports`, `manage_company_data_exports`); stored hashed.
 * - **Export job** (`work_dyi_job`): one "download your information" export of a community with
 *   its data types, format, media quality and time range `[start_time, end_time)`.
 * - **DYI job**: a unit of export work. Each export has one **company job** (company-scoped
 *   data) and one **user job** per included member.
 * - **Job state**: PENDING → IN_PROGRESS → COMPLETED | ABORTED (with an abort reason) | FAILED.
 * - **DYI file**: one downloadable archive part of a job, with size and SHA-256.
 * - **Blob**: the bytes of a file in the blob store, under a key the server makes.
 * - **Download URL**: a signed, expiring URL for one file that needs no other credential.
 * - **Principal**: who is calling, resolved from an access token.
 * - **Admin**: a person who signs in to the admin panel (`/admin`) of one community, with an
 *   email and a password; a signed-in browser holds an **admin session**.
 * - **Import run**: one `dyi import` (or seed) into a community, kept with what it wrote or why
 *   it failed.
 */
export * from './enums.js';
export * from './errors.js';
export * from './types.js';
export * from './content.js';
export * from './sign-in-lock.js';
export * from './search-key.js';
export * from './webhooks.js';
export * from './audit.js';
