/**
 * @module
 * The export form as HTML: data types grouped as company and user data (each group with a
 * "Select all" button for the script), format and media quality with the media options (keep
 * original files, withhold other people's media), the time range in days, and the members,
 * all or chosen with the finder (or, without script, typed ids), and an optional name. Rendered
 * from an `ExportForm`, so a refused form comes back exactly as the admin left it, with an
 * error summary first (`form-errors.ts`), or with a warning to confirm when "All members"
 * would give no member job.
 */
import {
  COMPANY_DATA_TYPES,
  DATA_TYPES,
  type DataType,
  DYI_FORMATS,
  type Id,
  MEDIA_QUALITIES,
  type Member,
} from '../../domain/index.js';
import { csrfField, type PanelSession } from './admin-layout.js';
import { DATA_TYPE_LABELS, FORMAT_LABELS, MEDIA_QUALITY_LABELS } from './export-labels.js';
import { errorSummary, fieldError, type FormError, invalidAttributes } from './form-errors.js';
import { type Html, html } from './html.js';
import { EXPORT_NAME_MAX_LENGTH, EXPORT_REASON_MAX_LENGTH } from '../../services/export-input.js';

/** What the form shows: the admin's choices, as sent (or the defaults). */
export interface ExportForm {
  /** The export's name, as typed. */
  readonly name: string;
  /** Why it is made, as typed. */
  readonly reason: string;
  /** Days its files are kept after it is ready, as typed; empty for the server's default. */
  readonly retentionDays: string;
  /** The server's retention, for the field's hint and bounds. */
  readonly retention: { readonly defaultDays: number; readonly maxDays: number };
  readonly dataTypes: readonly string[];
  readonly format: string;
  readonly quality: string;
  /** "Keep original files": images as uploaded, with their metadata (Very high only). */
  readonly keepOriginalMedia: boolean;
  /** "Withhold media other people posted" from each member's archive. */
  readonly withholdOthersMedia: boolean;
  readonly from: string;
  readonly until: string;
  readonly members: 'all' | 'chosen';
  /** Members ticked in the finder, with their names. */
  readonly picked: readonly Member[];
  /** The no-script fallback's text, as typed. */
  readonly memberIdsText: string;
  readonly idempotencyKey: string;
  readonly errors: readonly FormError[];
  /**
   * "All members" with user data, in a community with no active member: the form comes back
   * with a warning, and starts the export only when the admin confirms.
   */
  readonly isNoMembersWarning?: boolean;
}

/** The field id of the first data type's checkbox: where "choose a data type" links to. */
export const DATA_TYPES_FIELD = 'data-types';

export function renderForm(session: PanelSession, form: ExportForm): Html {
  const { errors } = form;
  return html`${errorSummary('The export was not started', errors)}
    ${form.isNoMembersWarning && errors.length === 0 && noMembersWarning(form)}
    <h1>Start an export</h1>
    <form method="post" action="/admin/exports" id="export-form">
      ${csrfField(session)}
      <input type="hidden" name="idempotency_key" value="${form.idempotencyKey}" />
      <div class="stack narrow">
        ${optionalTextField(errors, {
          id: 'export-name',
          name: 'name',
          label: 'Name',
          value: form.name,
          maxLength: EXPORT_NAME_MAX_LENGTH,
          hint: 'Words to know it by in the list, such as “Q1 legal hold”',
        })}
        ${optionalTextField(errors, {
          id: 'export-reason',
          name: 'reason',
          label: 'Reason',
          value: form.reason,
          maxLength: EXPORT_REASON_MAX_LENGTH,
          hint: 'Why it is made, such as a ticket reference (“LEGAL-123”); kept with who started it',
        })}
        <label for="retention-days">Keep files for (days)</label>
        ${fieldError(errors, 'retention-days')}
        <input
          id="retention-days"
          name="retention_days"
          type="number"
          inputmode="numeric"
          min="1"
          max="${form.retention.maxDays}"
          value="${form.retentionDays}"
          placeholder="${form.retention.defaultDays === 0 ? '' : String(form.retention.defaultDays)}"
          ${invalidAttributes(errors, 'retention-days', 'retention-days-hint')}
        />
        <small class="muted" id="retention-days-hint">
          Counted from when the export is ready; then its files are deleted and it stays listed as
          expired. Empty:
          ${
            form.retention.defaultDays === 0
              ? 'kept until it is deleted'
              : `${form.retention.defaultDays} days`
          }.
          At most ${form.retention.maxDays} days.
        </small>
      </div>
      ${fieldError(errors, DATA_TYPES_FIELD)}
      ${dataTypeFieldset(
        'Company data',
        'Exported once for the whole community, by the company job.',
        DATA_TYPES.filter((type) => COMPANY_DATA_TYPES.includes(type)),
        form,
      )}
      ${dataTypeFieldset(
        'User data',
        'Exported for each member, by one job per member.',
        DATA_TYPES.filter((type) => !COMPANY_DATA_TYPES.includes(type)),
        form,
      )}
      ${fieldError(errors, 'dyi-format')} ${fieldError(errors, 'media-quality')}
      <fieldset>
        <legend>Files</legend>
        <div class="row">
          <div>
            <label for="dyi-format">Format</label>
            <select
              id="dyi-format"
              name="dyi_format"
              ${invalidAttributes(errors, 'dyi-format')}
            >
              ${DYI_FORMATS.map((format) => option(format, FORMAT_LABELS[format], form.format))}
            </select>
          </div>
          <div>
            <label for="media-quality">Media quality</label>
            <select
              id="media-quality"
              name="media_quality"
              ${invalidAttributes(errors, 'media-quality')}
            >
              ${MEDIA_QUALITIES.map((quality) =>
                option(quality, MEDIA_QUALITY_LABELS[quality], form.quality),
              )}
            </select>
          </div>
        </div>
        ${mediaOptionChoice(
          errors,
          'keep_original_media',
          form.keepOriginalMedia,
          'Keep original files',
          'Only with Very high quality: images are shipped as they were uploaded, with their camera details, time and GPS position. Otherwise every image leaves without them.',
        )}
        ${mediaOptionChoice(
          errors,
          'withhold_others_media',
          form.withholdOthersMedia,
          'Withhold media other people posted',
          'A member’s archive leaves out photos and files that others posted (in a shared chat, say); the pages mark them as withheld.',
        )}
      </fieldset>
      <fieldset>
        <legend>Time range</legend>
        <p class="muted" id="time-range-hint">
          Both days are included, in UTC. Leave “From” empty to start at the beginning, and “Until”
          empty to end now.
        </p>
        ${fieldError(errors, 'from')} ${fieldError(errors, 'until')}
        <div class="row">
          <div>
            <label for="from">From</label>
            <input
              id="from"
              name="from"
              type="date"
              value="${form.from}"
              ${invalidAttributes(errors, 'from', 'time-range-hint')}
            />
          </div>
          <div>
            <label for="until">Until</label>
            <input
              id="until"
              name="until"
              type="date"
              value="${form.until}"
              ${invalidAttributes(errors, 'until', 'time-range-hint')}
            />
          </div>
        </div>
      </fieldset>
      ${membersFieldset(form)}
      <div class="actions">
        <button type="submit">Start export</button>
        <a href="/admin/exports">Back to the exports</a>
      </div>
    </form>`;
}

/** A one-line text input that may stay empty, with its error and a hint that ends in its limit. */
function optionalTextField(
  errors: readonly FormError[],
  field: {
    readonly id: string;
    readonly name: string;
    readonly label: string;
    readonly value: string;
    readonly maxLength: number;
    readonly hint: string;
  },
): Html {
  const hintId = `${field.id}-hint`;
  return html`<label for="${field.id}">${field.label} <span class="muted">(optional)</span></label>
    ${fieldError(errors, field.id)}
    <input
      id="${field.id}"
      name="${field.name}"
      maxlength="${field.maxLength}"
      value="${field.value}"
      autocomplete="off"
      ${invalidAttributes(errors, field.id, hintId)}
    />
    <small class="muted" id="${hintId}">${field.hint}; at most ${field.maxLength} characters.</small>`;
}

function option(value: string, label: string, chosen: string): Html {
  return html`<option value="${value}" ${value === chosen ? html`selected` : ''}>${label}</option>`;
}

/** A media option's checkbox, with a hint the checkbox is described by. */
function mediaOptionChoice(
  errors: readonly FormError[],
  name: string,
  isChecked: boolean,
  label: string,
  hint: string,
): Html {
  const id = name.replaceAll('_', '-');
  return html`<div class="choice">
    ${fieldError(errors, id)}
    <label
      ><input
        type="checkbox"
        id="${id}"
        name="${name}"
        value="true"
        ${invalidAttributes(errors, id, `${id}-hint`)}
        ${isChecked ? html`checked` : ''}
      />
      ${label}</label
    >
    <small class="muted" id="${id}-hint">${hint}</small>
  </div>`;
}

/**
 * Shown instead of starting an export of user data for "All members" when the community has
 * no active member: it would give no member job, so the user data would be exported for no one.
 * Its button sends the form again, confirmed.
 */
function noMembersWarning(form: ExportForm): Html {
  const userTypes = form.dataTypes.filter(
    (type) => !(COMPANY_DATA_TYPES as readonly string[]).includes(type),
  );
  const labels = userTypes.map((type) => DATA_TYPE_LABELS[type as DataType] ?? type).join(', ');
  return html`<div
    class="warning"
    id="no-members-warning"
    tabindex="-1"
    autofocus
    data-error-summary
    aria-labelledby="no-members-warning-title"
  >
    <h2 id="no-members-warning-title">
      The export was not started: this community has no active members
    </h2>
    <p>
      “All members” gives a job to each active member, and there is none, so the user data you
      chose (${labels}) would be exported for no one: the export would hold only company data.
    </p>
    <p>
      Choose members below, or untick the user data, or start it as it is.
    </p>
    <button type="submit" form="export-form" name="confirm_no_members" value="yes">
      Start it with no member jobs
    </button>
  </div>`;
}

function dataTypeFieldset(
  legend: string,
  hint: string,
  types: readonly DataType[],
  form: ExportForm,
): Html {
  return html`<fieldset>
    <legend>${legend}</legend>
    <p class="muted">${hint}</p>
    <button type="button" class="secondary" data-select-all data-needs-script hidden>
      Select all
    </button>
    <div class="columns">
      ${types.map((type) => dataTypeChoice(type, form.dataTypes.includes(type), form.errors))}
    </div>
  </fieldset>`;
}

/** A data type's checkbox, labelled in words, with its API name beside. */
function dataTypeChoice(type: DataType, isChecked: boolean, errors: readonly FormError[]): Html {
  const checked = isChecked ? html`checked` : '';
  const id = type === DATA_TYPES[0] ? DATA_TYPES_FIELD : `data-type-${type}`;
  return html`<div class="choice">
    <label
      ><input
        type="checkbox"
        id="${id}"
        name="data_types"
        value="${type}"
        ${invalidAttributes(errors, DATA_TYPES_FIELD)}
        ${checked}
      />
      ${DATA_TYPE_LABELS[type]}</label
    >
    <small class="muted">${type}</small>
  </div>`;
}

function membersFieldset(form: ExportForm): Html {
  const { errors } = form;
  return html`<fieldset>
    <legend>Members</legend>
    ${fieldError(errors, 'members-all')} ${fieldError(errors, 'members-chosen')}
    <label class="choice"
      ><input
        type="radio"
        id="members-all"
        name="members"
        value="all"
        ${invalidAttributes(errors, 'members-all')}
        ${form.members === 'all' ? html`checked` : ''}
      />
      All members</label
    >
    <label class="choice"
      ><input
        type="radio"
        id="members-chosen"
        name="members"
        value="chosen"
        ${invalidAttributes(errors, 'members-chosen')}
        ${form.members === 'chosen' ? html`checked` : ''}
      />
      Chosen members</label
    >
    <p class="muted">
      “All members” gives every active member a job.
      <span data-needs-script hidden>For “Chosen members”, find them by name and tick them.</span>
      <noscript>For “Chosen members”, type their ids below.</noscript>
    </p>
    <div class="stack" data-needs-script hidden>
      <label for="member-search">Find members by name or email</label>
      <input
        id="member-search"
        type="search"
        autocomplete="off"
        data-member-search="/admin/members.json"
      />
      <p class="muted" data-member-status role="status"></p>
      <ul class="member-results" data-member-results>
        ${form.picked.map(pickedMember)}
      </ul>
    </div>
    <noscript>
      <label for="member-ids">Member ids</label>
      <textarea id="member-ids" name="member_ids" rows="3" aria-describedby="member-ids-hint">
${form.memberIdsText}</textarea>
      <p class="muted" id="member-ids-hint">
        Ids of the chosen members, separated by commas or spaces.
      </p>
    </noscript>
  </fieldset>`;
}

/** A member ticked in the finder, as `web/panel.js` lists the ones it finds. */
function pickedMember(member: { readonly id: Id; readonly name: string; readonly status: string }) {
  return html`<li>
    <label
      ><input type="checkbox" name="user_ids" value="${member.id}" checked /> ${member.name}${
        member.status !== 'active' && html`<span class="muted"> (${member.status})</span>`
      }</label
    >
  </li>`;
}
