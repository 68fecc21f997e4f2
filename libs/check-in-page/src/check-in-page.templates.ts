/**
 * Eta templates of the client check-in page. They live in TypeScript (not .eta files) so the
 * compiled build in dist/ carries them. `<%= %>` escapes (the engine is configured with
 * autoEscape); `<%~ %>` is only used for markup these templates produce themselves.
 */
export const LAYOUT_TEMPLATE = `<!doctype html>
<html lang="<%= it.layout.lang %>">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title><%= it.layout.title %></title>
<link rel="icon" href="<%= it.layout.icon %>" type="image/svg+xml">
<link rel="stylesheet" href="<%= it.layout.css %>">
<script src="<%= it.layout.js %>" defer></script>
</head>
<body>
<% if (it.layout.brand) { %>
<header class="brand"><p><%= it.layout.brand %></p></header>
<% } %>
<main id="main" class="main">
<%~ it.body %>
</main>
</body>
</html>
`;

const DESCRIBED_BY = `<% const describedBy = [it.field.hints.length ? it.field.hintId : '', it.field.error ? it.field.errorId : ''].filter(Boolean).join(' ') %>`;

const HINTS_AND_ERROR = `<% if (it.field.hints.length) { %>
<div class="hint" id="<%= it.field.hintId %>">
<% it.field.hints.forEach(function (hint) { %>
<p><%= hint %></p>
<% }) %>
</div>
<% } %>
<% if (it.field.error) { %>
<p class="err" id="<%= it.field.errorId %>"><span class="vh"><%= it.errorPrefix %></span> <%= it.field.error %></p>
<% } %>`;

export const GROUP_TEMPLATE = `${DESCRIBED_BY}
<div class="field<%= it.field.error ? ' field-error' : '' %>">
<fieldset<% if (describedBy) { %> aria-describedby="<%= describedBy %>"<% } %>>
<legend class="q"><%= it.field.legend %><% if (it.field.isOptional) { %> <span class="opt"><%= it.optionalLabel %></span><% } %></legend>
${HINTS_AND_ERROR}
<div class="options options-<%= it.field.layout %>">
<% it.field.options.forEach(function (option) { %>
<label class="option" for="<%= option.id %>"><input type="<%= it.field.inputType %>" id="<%= option.id %>" name="<%= it.field.name %>" value="<%= option.value %>"<% if (option.isChecked) { %> checked<% } %>><span><%= option.label %></span></label>
<% }) %>
</div>
</fieldset>
</div>
`;

export const TEXT_TEMPLATE = `${DESCRIBED_BY}
<div class="field<%= it.field.error ? ' field-error' : '' %>">
<label class="q" for="<%= it.field.id %>"><%= it.field.label %><% if (it.field.isOptional) { %> <span class="opt"><%= it.optionalLabel %></span><% } %></label>
${HINTS_AND_ERROR}
<textarea id="<%= it.field.id %>" name="<%= it.field.name %>" rows="6" maxlength="<%= it.field.maxLength %>"<% if (describedBy) { %> aria-describedby="<%= describedBy %>"<% } %><% if (it.field.error) { %> aria-invalid="true"<% } %>>
<%= it.field.value %></textarea>
</div>
`;

export const LANDING_TEMPLATE = `<% layout('@layout') %>
<h1><%= it.clinicName %></h1>
<p><%= it.lead %></p>
<form method="post"<% if (it.action) { %> action="<%= it.action %>"<% } %> data-once>
<button type="submit" class="button"><%= it.button %></button>
</form>
<p class="small"><%= it.personal %></p>
`;

export const FORM_TEMPLATE = `<% layout('@layout') %>
<% if (it.errorSummary) { %>
<div class="error-summary" id="error-summary" tabindex="-1" autofocus aria-labelledby="error-summary-title">
<h2 id="error-summary-title"><%= it.errorSummary.heading %></h2>
<ul>
<% it.errorSummary.items.forEach(function (item) { %>
<li><a href="<%= item.href %>"><%= item.text %></a></li>
<% }) %>
</ul>
</div>
<% } %>
<h1><%= it.heading %></h1>
<p class="due"><%= it.due %></p>
<% if (it.therapistNote) { %>
<section class="note" aria-labelledby="note-title">
<h2 id="note-title"><%= it.therapistNote.heading %></h2>
<% it.therapistNote.paragraphs.forEach(function (paragraph) { %>
<p><%= paragraph %></p>
<% }) %>
</section>
<% } %>
<% if (it.about.paragraphs.length) { %>
<details class="about">
<summary><%= it.about.heading %></summary>
<% it.about.paragraphs.forEach(function (paragraph) { %>
<p><%= paragraph %></p>
<% }) %>
</details>
<% } %>
<form method="post" action="<%= it.action %>" novalidate data-once>
<input type="hidden" name="<%= it.csrfField %>" value="<%= it.csrf %>">
<% it.fields.forEach(function (field) { %>
<%~ include(field.kind === 'text' ? '@text' : '@group', { field: field }) %>
<% }) %>
<% if (it.visibility.field) { %>
<%~ include('@group', { field: it.visibility.field }) %>
<% } else { %>
<p class="solo"><%= it.visibility.solo %></p>
<% } %>
<button type="submit" class="button"><%= it.submit %></button>
</form>
`;

export const MESSAGE_TEMPLATE = `<% layout('@layout') %>
<div class="message<%= it.isStatus ? ' panel' : '' %>"<% if (it.isStatus) { %> role="status"<% } %>>
<h1><%= it.heading %></h1>
<% it.paragraphs.forEach(function (paragraph) { %>
<p><%= paragraph %></p>
<% }) %>
</div>
`;
