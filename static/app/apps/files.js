// Files: browse folders, upload (multipart, with progress), download (GET /files/{id} with the
// bearer token), rename, move, delete, new folder, and the storage quota bar.

import { h, replace, formatTime, formatBytes } from '../dom.js?v=38f9f19094';
import { describeLimit } from '../http.js?v=74a064c5e3';

const FILE = `id name size mimeType createdAt downloadUrl`;
const FOLDER_BODY = `id name path parent { id name path } folders { id name path }
  files(first: 100) { nodes { ${FILE} } pageInfo { hasNextPage endCursor } }`;
const ROOT = `query RootFolder { rootFolder { ${FOLDER_BODY} } storageUsage { usedBytes quotaBytes } }`;
const FOLDER = `query FolderView($id: ID!) { node(id: $id) { ... on Folder { ${FOLDER_BODY} } } storageUsage { usedBytes quotaBytes } }`;
const MORE_FILES = `query FolderFiles($id: ID!, $after: String) { node(id: $id) { ... on Folder { files(first: 100, after: $after) { nodes { ${FILE} } pageInfo { hasNextPage endCursor } } } } }`;
const SEARCH = `query FileSearch($name: String!) { fileSearch(name: $name, first: 50) { nodes { ${FILE} folder { id path } } } }`;
const UPLOAD = `mutation UploadFile($input: UploadFileInput!) { uploadFile(input: $input) { ${FILE} } }`;
const MKDIR = `mutation CreateFolder($input: CreateFolderInput!) { createFolder(input: $input) { id name path } }`;
const RENAME = `mutation RenameNode($input: RenameInput!) { renameNode(input: $input) { id } }`;
const MOVE = `mutation MoveNode($input: MoveInput!) { moveNode(input: $input) { id } }`;
const DELETE = `mutation DeleteNode($input: DeleteNodeInput!) { deleteNode(input: $input) }`;

export default {
  id: 'files',
  title: 'Files',
  glyph: 'F',
  size: { w: 680, h: 600 },
  mount(ctx) {
    let folder = null; // the folder shown
    let rootId = null;
    let cursor = null;

    const quotaBar = h('span');
    const quotaText = h('div', { class: 'muted small quota-text' });
    const quota = h('div', { class: 'card quota' }, h('div', { class: 'progress', role: 'progressbar', 'aria-label': 'Storage used' }, quotaBar), quotaText);
    const crumbs = h('nav', { class: 'crumbs', 'aria-label': 'Folder path' });
    const fileInput = h('input', { type: 'file', name: 'file', multiple: true, class: 'file-input', 'aria-label': 'Choose files to upload' });
    const folderName = h('input', { name: 'folderName', placeholder: 'New folder', autocomplete: 'off', 'aria-label': 'New folder name' });
    const searchInput = h('input', { type: 'search', name: 'search', placeholder: 'Find files by name', 'aria-label': 'Find files' });
    const uploads = h('ol', { class: 'uploads', 'aria-label': 'Uploads' });
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const list = h('ol', { class: 'file-list', 'aria-label': 'Folder contents' });
    const empty = h('p', { class: 'muted empty', hidden: true }, 'This folder is empty.');
    const more = h('button', { type: 'button', class: 'more', hidden: true }, 'More files');
    const tools = h(
      'div',
      { class: 'toolbar' },
      h('label', { class: 'button-like' }, 'Upload: ', fileInput),
      h('form', { class: 'inline mkdir', onsubmit: (e) => (e.preventDefault(), mkdir()) }, folderName, h('button', { type: 'submit' }, 'Create')),
      h('form', { class: 'inline search', onsubmit: (e) => (e.preventDefault(), find()) }, searchInput, h('button', { type: 'submit' }, 'Find')),
    );
    replace(ctx.body, quota, tools, uploads, error, crumbs, empty, list, more);

    const say = (text) => ((error.textContent = text), (error.hidden = !text));

    let usage = null; // the latest storageUsage read
    function showQuota(u) {
      usage = u;
      const pct = u.quotaBytes ? Math.min(100, (u.usedBytes / u.quotaBytes) * 100) : 0;
      quotaBar.style.width = `${pct}%`;
      quota.firstChild.setAttribute('aria-valuenow', String(Math.round(pct)));
      quotaText.textContent = `${formatBytes(u.usedBytes)} of ${formatBytes(u.quotaBytes)} used`;
      quota.dataset.used = String(u.usedBytes);
      quota.dataset.quota = String(u.quotaBytes);
    }

    function renderCrumbs(f) {
      const parts = [];
      if (f.parent && f.parent.id !== rootId) parts.push(h('button', { type: 'button', class: 'link', onclick: () => openFolder(f.parent.id) }, '↑ Up'));
      parts.push(h('button', { type: 'button', class: 'link', onclick: () => openFolder(null) }, 'Home'));
      if (f.id !== rootId) parts.push(h('span', { class: 'muted' }, ` ${f.path}`));
      replace(crumbs, parts);
    }

    // Inline rename: the name becomes an input until Enter (save) or Escape (cancel).
    function renameIn(nameEl, item) {
      const input = h('input', { name: 'rename', value: item.name, 'aria-label': `New name for ${item.name}` });
      const form = h('form', { class: 'inline rename-form' }, input, h('button', { type: 'submit' }, 'Save'));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        try {
          await ctx.gql(RENAME, { input: { id: item.id, name: input.value } });
          refresh();
        } catch (err) {
          say(ctx.describeError(err));
        }
      });
      input.addEventListener('keydown', (e) => e.key === 'Escape' && form.replaceWith(nameEl));
      nameEl.replaceWith(form);
      input.select();
    }

    // Move: a choice of Home, the parent and the sibling folders shown here.
    function moveIn(host, item) {
      const choices = [];
      if (rootId && folder.id !== rootId) choices.push([rootId, 'Home']);
      if (folder.parent && folder.parent.id !== rootId) choices.push([folder.parent.id, `${folder.parent.path} (up)`]);
      for (const sub of folder.folders) if (sub.id !== item.id) choices.push([sub.id, sub.path]);
      if (!choices.length) return say('There is no other folder here to move it to: create one first.');
      const select = h('select', { name: 'destination', 'aria-label': `Move ${item.name} to` }, choices.map(([id, label]) => h('option', { value: id }, label)));
      const form = h('form', { class: 'inline move-form' }, select, h('button', { type: 'submit' }, 'Move'), h('button', { type: 'button', onclick: () => form.remove() }, 'Cancel'));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        try {
          await ctx.gql(MOVE, { input: { id: item.id, folderId: select.value } });
          ctx.toast(`Moved ${item.name}`);
          refresh();
        } catch (err) {
          say(ctx.describeError(err));
        }
      });
      host.append(form);
    }

    async function remove(item, what) {
      try {
        await ctx.gql(DELETE, { input: { id: item.id } });
        ctx.toast(`Deleted ${what} ${item.name}`);
        refresh();
      } catch (err) {
        say(ctx.describeError(err));
      }
    }

    async function download(file) {
      try {
        const res = await ctx.fetch(file.downloadUrl || `/files/${encodeURIComponent(file.id)}`);
        if (!res.ok) {
          const why = { 401: 'you are not signed in', 403: 'it is not yours', 404: 'it no longer exists' }[res.status] || `HTTP ${res.status}`;
          return say(`Download failed: ${why}.`);
        }
        const url = URL.createObjectURL(await res.blob());
        const a = h('a', { href: '#', download: file.name, hidden: true });
        a.href = url; // a blob: URL of this origin, set as a property (h() only takes http(s) and paths)
        document.body.append(a);
        a.click();
        a.remove();
        ctx.setTimeout(() => URL.revokeObjectURL(url), 60_000);
      } catch (err) {
        if (err.name !== 'AbortError') say(ctx.describeError(err));
      }
    }

    function itemEl(item, kind) {
      const nameEl =
        kind === 'folder'
          ? h('button', { type: 'button', class: 'link name', onclick: () => openFolder(item.id) }, `${item.name}/`)
          : h('span', { class: 'name' }, item.name);
      const actions = h(
        'span',
        { class: 'actions' },
        kind === 'file' && h('button', { type: 'button', class: 'download', onclick: () => download(item) }, 'Download'),
        h('button', { type: 'button', class: 'rename', onclick: () => renameIn(nameEl, item) }, 'Rename'),
        h('button', { type: 'button', class: 'move', onclick: () => moveIn(li, item) }, 'Move'),
        h('button', { type: 'button', class: 'delete', onclick: () => remove(item, kind) }, 'Delete'),
      );
      const li = h(
        'li',
        { class: `row-item ${kind}`, dataset: { id: item.id, name: item.name } },
        h('div', { class: 'grow' }, nameEl, kind === 'file' && h('div', { class: 'muted small' }, `${formatBytes(item.size)} · ${item.mimeType} · ${formatTime(item.createdAt)}`), item.folder && h('div', { class: 'muted small' }, `in ${item.folder.path}`)),
        actions,
      );
      return li;
    }

    function renderFolder(f, usage) {
      folder = f;
      if (!f.parent) rootId = f.id;
      list.dataset.folder = f.id;
      renderCrumbs(f);
      replace(list, f.folders.map((x) => itemEl(x, 'folder')), f.files.nodes.map((x) => itemEl(x, 'file')));
      cursor = f.files.pageInfo.endCursor;
      more.hidden = !f.files.pageInfo.hasNextPage;
      empty.hidden = list.childElementCount > 0;
      if (usage) showQuota(usage);
    }

    let generation = 0; // only the latest read may render
    async function openFolder(id) {
      const mine = ++generation;
      try {
        const data = id && id !== rootId ? await ctx.gql(FOLDER, { id }) : await ctx.gql(ROOT);
        if (mine !== generation) return;
        const f = data.node || data.rootFolder;
        if (!f) return openFolder(null); // deleted meanwhile
        renderFolder(f, data.storageUsage);
        say('');
      } catch (e) {
        say(ctx.describeError(e));
      }
    }
    const refresh = () => openFolder(folder?.id || null);

    async function mkdir() {
      const name = folderName.value.trim();
      if (!name) return;
      try {
        await ctx.gql(MKDIR, { input: { parentId: folder?.id || null, name } });
        folderName.value = '';
        refresh();
      } catch (e) {
        say(ctx.describeError(e));
      }
    }

    async function find() {
      const name = searchInput.value.trim();
      if (!name) return refresh();
      try {
        const mine = ++generation;
        const { fileSearch } = await ctx.gql(SEARCH, { name });
        if (mine !== generation) return;
        replace(crumbs, h('button', { type: 'button', class: 'link', onclick: () => ((searchInput.value = ''), refresh()) }, '← Back'), h('span', { class: 'muted' }, ` Files named like "${name}"`));
        replace(list, fileSearch.nodes.map((x) => itemEl(x, 'file')));
        more.hidden = true;
        empty.hidden = fileSearch.nodes.length > 0;
      } catch (e) {
        say(ctx.describeError(e));
      }
    }

    more.addEventListener('click', async () => {
      try {
        const { node } = await ctx.gql(MORE_FILES, { id: folder.id, after: cursor });
        node.files.nodes.forEach((x) => list.append(itemEl(x, 'file')));
        cursor = node.files.pageInfo.endCursor;
        more.hidden = !node.files.pageInfo.hasNextPage;
      } catch (e) {
        say(ctx.describeError(e));
      }
    });

    // Uploads, one row each with its progress; the folder is re-read when one finishes.
    async function uploadOne(file) {
      const bar = h('span');
      const label = h('span', { class: 'small' }, `${file.name}: 0%`);
      const row = h('li', { class: 'upload', dataset: { name: file.name } }, label, h('div', { class: 'progress', role: 'progressbar', 'aria-label': `Uploading ${file.name}` }, bar));
      uploads.append(row);
      try {
        await ctx.upload(UPLOAD, { input: { folderId: folder?.id || null, file: null } }, { 'input.file': file }, {
          onProgress: (loaded, total) => {
            const pct = total ? Math.round((loaded / total) * 100) : 0;
            bar.style.width = `${pct}%`;
            label.textContent = `${file.name}: ${pct}%`;
            row.dataset.pct = String(pct);
          },
        });
        row.remove();
        ctx.toast(`Uploaded ${file.name}`);
        refresh();
      } catch (e) {
        row.dataset.failed = 'true';
        label.textContent = `${file.name}: ${ctx.describeError(e)}`;
        ctx.setTimeout(() => row.remove(), 8000);
      }
    }
    // A file that cannot fit in what is left is refused here, as the server would refuse it
    // (413, storageQuota) but without sending it; files chosen together are counted together.
    // Another tab's uploads can still make the server refuse one, which shows the same way.
    function overQuota(files) {
      if (!usage) return [];
      let left = usage.quotaBytes - usage.usedBytes;
      return files.filter((f) => (f.size > left ? true : ((left -= f.size), false)));
    }
    fileInput.addEventListener('change', () => {
      const files = [...fileInput.files];
      const refused = new Set(overQuota(files));
      for (const file of files) {
        if (!refused.has(file)) uploadOne(file);
        else {
          const row = h('li', { class: 'upload', dataset: { name: file.name, failed: 'true' } }, h('span', { class: 'small' }, `${file.name}: ${describeLimit('storageQuota')}`));
          uploads.append(row);
          ctx.setTimeout(() => row.remove(), 8000);
        }
      }
      fileInput.value = '';
    });

    openFolder(null);
  },
};
