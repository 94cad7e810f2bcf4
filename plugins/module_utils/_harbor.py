# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the collection: this file is not a public API. Only modules of
# harborops.ha may import it; its interface can change in any release.
"""HTTP access to Harbor's /api/v2.0 shared by the harbor_* modules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time
import traceback
from urllib.parse import quote

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

try:
    import requests
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - depends on the controller
    requests = None
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

API_PREFIX = '/api/v2.0'
PAGE_SIZE = 100  # Harbor's maximum; above it answers 422
RETRY_DELAY = 2
WRITE_METHODS = ('POST', 'PUT', 'PATCH', 'DELETE')
LINK_NEXT_RE = re.compile(r'<([^>]*)>\s*;\s*rel="next"')


def harbor_argument_spec():
    """Connection options shared by every module (doc fragment harborops.ha.harbor)."""
    return dict(
        harbor_url=dict(type='str', required=True, fallback=(env_fallback, ['HARBOR_URL'])),
        harbor_username=dict(type='str', required=True, fallback=(env_fallback, ['HARBOR_USERNAME'])),
        harbor_password=dict(type='str', required=True, no_log=True, fallback=(env_fallback, ['HARBOR_PASSWORD'])),
        validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['HARBOR_VALIDATE_CERTS'])),
        ca_path=dict(type='path', fallback=(env_fallback, ['HARBOR_CA_PATH'])),
        timeout=dict(type='int', default=30),
        retries=dict(type='int', default=3),
    )


class HarborError(Exception):
    """An API call failed; ``status`` is the HTTP status (None when no response)."""

    def __init__(self, msg, status=None, code=None):
        super(HarborError, self).__init__(msg)
        self.status = status
        self.code = code


def api_base(url):
    """Accept ``https://h``, ``https://h/`` or ``https://h/api/v2.0`` alike."""
    url = url.strip().rstrip('/')
    if url.endswith(API_PREFIX):
        url = url[:-len(API_PREFIX)]
    return url + API_PREFIX


def error_text(response):
    """Harbor's ``{"errors":[{"code","message"}]}`` body as ``CODE: message`` (or the raw text)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get('errors'), list):
        parts = []
        for err in body['errors']:
            if isinstance(err, dict):
                parts.append('%s: %s' % (err.get('code', ''), err.get('message', '')))
        if parts:
            return '; '.join(parts)
    text = (response.text or '').strip()
    return text[:500] if text else response.reason or ''


def next_link(link_header):
    """Path of the ``rel="next"`` entry in Harbor's Link header, or None."""
    if not link_header:
        return None
    match = LINK_NEXT_RE.search(link_header)
    return match.group(1) if match else None


def q_value(value):
    """Escape a value for Harbor's ``q`` parameter: Harbor URL-unescapes ``q`` once more after the
    normal query decoding, so a literal ``+`` (project robots ``proj+name``) or ``%`` must be
    escaped twice, or it would come back as a space."""
    return quote(str(value), safe='')


def find_exact(items, value, key='name'):
    """Harbor's name filters are fuzzy or case-insensitive: keep the item whose key is exactly ``value``."""
    for item in items or []:
        if item.get(key) == value:
            return item
    return None


class HarborModule(AnsibleModule):
    """AnsibleModule with Harbor's connection options and a small, cookie-less REST client."""

    def __init__(self, argument_spec=None, **kwargs):
        spec = harbor_argument_spec()
        spec.update(argument_spec or {})
        kwargs.setdefault('supports_check_mode', True)
        super(HarborModule, self).__init__(argument_spec=spec, **kwargs)
        if requests is None:
            self.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
        self.base = api_base(self.params['harbor_url'])
        self.auth = (self.params['harbor_username'], self.params['harbor_password'])
        ca_path = self.params['ca_path']
        self.verify = ca_path if (ca_path and self.params['validate_certs']) else self.params['validate_certs']
        self.result = dict(changed=False)
        self._credentials_checked = False

    # ------------------------------------------------------------------ transport
    def _send(self, method, path, query=None, body=None):
        """One HTTP exchange. A fresh ``requests`` call per request: no Session, so no ``sid``
        cookie is ever replayed and Harbor's CSRF check (which only runs when the cookie is
        sent) never applies. Connection failures are retried, HTTP answers never are."""
        url = self.base + path
        attempts = max(1, self.params['retries'] + 1)
        for attempt in range(1, attempts + 1):
            try:
                return requests.request(
                    method, url, params=query, json=body, auth=self.auth, verify=self.verify,
                    timeout=self.params['timeout'], allow_redirects=False,
                    headers={'Accept': 'application/json'})
            except requests.exceptions.SSLError as exc:
                raise HarborError(
                    'TLS verification of %s failed: %s. Point ca_path (HARBOR_CA_PATH) at the CA '
                    'certificate that signed Harbor\'s certificate.' % (self.params['harbor_url'], _short(exc)))
            except (requests.exceptions.ConnectionError, requests.exceptions.ConnectTimeout) as exc:
                if attempt == attempts:
                    raise HarborError('cannot connect to Harbor at %s (%d attempt(s)): %s'
                                      % (self.params['harbor_url'], attempts, _short(exc)))
                time.sleep(RETRY_DELAY)
            except requests.exceptions.Timeout as exc:
                raise HarborError('Harbor at %s did not answer %s %s within %ss: %s'
                                  % (self.params['harbor_url'], method, path, self.params['timeout'], _short(exc)))
            except requests.exceptions.RequestException as exc:
                raise HarborError('request %s %s to Harbor failed: %s' % (method, path, _short(exc)))
        raise HarborError('unreachable')  # pragma: no cover

    def request(self, method, path, query=None, body=None, ok=(200, 201)):
        """Send a request and return the response; any status outside ``ok`` raises HarborError."""
        if not self._credentials_checked:
            self._credentials_checked = True
            self.check_credentials()
        response = self._send(method, path, query, body)
        if response.status_code not in ok:
            raise HarborError('Harbor API %s %s failed: HTTP %s %s' % (method, path, response.status_code,
                                                                       error_text(response)),
                              status=response.status_code, code=_first_code(response))
        return response

    def check_credentials(self):
        """Harbor treats bad credentials as anonymous, so ask who we are before anything else."""
        response = self._send('GET', '/users/current')
        if response.status_code == 401:
            raise HarborError('authentication failed for user %r at %s: Harbor treats wrong credentials as '
                              'anonymous and /users/current answered 401' % (self.auth[0], self.params['harbor_url']),
                              status=401)
        if response.status_code in (200, 412):  # 412: authenticated robot account (no user profile)
            return
        raise HarborError('credential check GET /users/current failed: HTTP %s %s'
                          % (response.status_code, error_text(response)), status=response.status_code)

    # ------------------------------------------------------------------ reads
    def get(self, path, query=None):
        """JSON of ``path``, or None when Harbor answers 404."""
        response = self.request('GET', path, query, ok=(200, 404))
        if response.status_code == 404:
            return None
        return _json(response)

    def list(self, path, query=None):
        """Every item of a paginated list (page_size 100, following Link/X-Total-Count)."""
        query = dict(query or {})
        query.update(page=1, page_size=PAGE_SIZE)
        items = []
        while True:
            response = self.request('GET', path, query)
            page = _json(response) or []
            items.extend(page)
            total = response.headers.get('X-Total-Count')
            more = next_link(response.headers.get('Link')) is not None
            if not more and total is not None and total.isdigit():
                more = len(items) < int(total)
            if not page or not more:
                return items
            query['page'] += 1

    def find_by_name(self, path, name, key='name', query=None):
        """Exact lookup: ``q=<key>=<name>`` narrows the list, the exact compare decides."""
        query = dict(query or {})
        q = '%s=%s' % (key, q_value(name))
        query['q'] = q if not query.get('q') else query['q'] + ',' + q
        return find_exact(self.list(path, query), name, key)

    # ------------------------------------------------------------------ writes (check mode aware)
    def create(self, path, body):
        """POST; returns the new id from the path-only Location (None in check mode)."""
        self.result['changed'] = True
        if self.check_mode:
            return None
        response = self.request('POST', path, body=body, ok=(201, 200))
        location = response.headers.get('Location', '')
        tail = location.rstrip('/').rsplit('/', 1)[-1]
        return int(tail) if tail.isdigit() else tail or None

    def write(self, method, path, body=None):
        """PUT/PATCH/POST that changes something; returns the JSON answer if any."""
        self.result['changed'] = True
        if self.check_mode:
            return None
        return _json(self.request(method, path, body=body))

    def delete(self, path):
        """DELETE; a 404 means already absent (returns False)."""
        if self.check_mode:
            self.result['changed'] = True
            return True
        response = self.request('DELETE', path, ok=(200, 202, 204, 404))
        if response.status_code == 404:
            return False
        self.result['changed'] = True
        return True

    # ------------------------------------------------------------------ state=absent
    def ensure_absent(self, key, existing, collection, id_key='id', label_key='name', view=None):
        """Delete ``existing`` (if Harbor has it) at ``<collection>/<id>`` and return ``key`` as ``{}``.

        The diff's before side is ``view(existing)``, by default just the object's ``label_key``.
        """
        self.result[key] = {}
        if existing:
            self.set_diff(view(existing) if view else {label_key: existing[label_key]}, {})
            self.delete('%s/%d' % (collection, existing[id_key]))

    # ------------------------------------------------------------------ results
    def set_diff(self, before, after):
        if self._diff:
            self.result['diff'] = dict(before=before, after=after)

    def report(self, key, path, existing):
        """Return ``key`` as Harbor now has it: re-read ``path`` when this run wrote to the object,
        else the copy read before the run (nothing changed, or check mode wrote nothing)."""
        self.result[key] = self.get(path) if self.result['changed'] and not self.check_mode else existing

    def run(self, func):
        """Call ``func(self)`` and turn HarborError into a clean failure."""
        try:
            func(self)
        except HarborError as exc:
            self.result.pop('diff', None)
            failure = dict(self.result, msg=str(exc))
            if exc.status is not None:
                failure['http_status'] = exc.status
            self.fail_json(**failure)
        self.exit_json(**self.result)


def _json(response):
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


def _first_code(response):
    try:
        return response.json()['errors'][0]['code']
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def _short(exc):
    """The part of a requests/urllib3 exception a human needs (e.g. "[Errno 111] Connection refused")."""
    text = str(exc)
    match = re.search(r'(\[Errno [^\]]+\][^\'"()]*|certificate verify failed[^\'"()]*|Read timed out[^\'"()]*)', text)
    if match:
        return match.group(1).strip().rstrip('.')
    return text[:400]
