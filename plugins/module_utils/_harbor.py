# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the collection: this file is not a public API. Only modules of
# harborops.ha may import it; its interface can change in any release.
"""HTTP access to Harbor's /api/v2.0 shared by the harbor_* modules."""

import os
import re
import time
import traceback
from urllib.parse import quote, urlsplit

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib
from ansible_collections.harborops.ha.plugins.module_utils._harbor_compare import changed_keys, diff_view

try:
    import requests
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - depends on the controller
    requests = None
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

API_PREFIX = '/api/v2.0'
PAGE_SIZE = 100  # Harbor's maximum; above it answers 422
# The statuses in which a replication execution has ended (the API's names).
EXECUTION_FINAL = ('Succeed', 'Failed', 'Stopped')
RETRY_DELAY = 2
WRITE_METHODS = ('POST', 'PUT', 'PATCH', 'DELETE')
# Sending these again has the same effect as sending them once: retried on connection errors.
# A POST (or PATCH) is sent once; when its answer is lost, the caller looks the object up.
RETRY_METHODS = ('GET', 'HEAD', 'PUT', 'DELETE')
VERSION_RE = re.compile(r'(\d+)\.(\d+)(?:\.(\d+))?')
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


class HarborUncertain(HarborError):
    """A request that is not safe to repeat was sent, and its answer was lost: Harbor may or may
    not have done it. The caller finds out by reading Harbor again."""


def connection_errors(params):
    """Problems with the connection options, found before any request."""
    errors = []
    url = (params.get('harbor_url') or '').strip()
    parts = urlsplit(url)
    if parts.scheme not in ('http', 'https') or not parts.netloc:
        errors.append('harbor_url must be an http:// or https:// URL with a host, got %r' % url)
    if params.get('timeout') is not None and params['timeout'] <= 0:
        errors.append('timeout must be a positive number of seconds, got %s' % params['timeout'])
    if params.get('retries') is not None and params['retries'] < 0:
        errors.append('retries must be 0 or more, got %s' % params['retries'])
    ca_path = params.get('ca_path')
    if ca_path and params.get('validate_certs', True) and parts.scheme == 'https':
        if not os.path.exists(ca_path):
            errors.append('ca_path %s does not exist' % ca_path)
        elif not os.access(ca_path, os.R_OK):
            errors.append('ca_path %s is not readable' % ca_path)
    if not (params.get('harbor_username') or '').strip():
        errors.append('harbor_username must not be empty')
    return errors


def parse_version(text):
    """``v2.15.2-abc123`` -> (2, 15, 2); None when Harbor did not say."""
    match = VERSION_RE.search(text or '')
    if not match:
        return None
    return tuple(int(part or 0) for part in match.groups())


def version_text(version):
    return '.'.join(str(part) for part in version)


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
    """AnsibleModule with Harbor's connection options, a small cookie-less REST client and the
    whole converge cycle of one named object (``converge(Resource)``)."""

    def __init__(self, argument_spec=None, **kwargs):
        spec = harbor_argument_spec()
        spec.update(argument_spec or {})
        kwargs.setdefault('supports_check_mode', True)
        super(HarborModule, self).__init__(argument_spec=spec, **kwargs)
        if requests is None:
            self.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
        errors = connection_errors(self.params)
        if errors:
            self.fail_json(msg='; '.join(errors))
        if self.params['harbor_url'].strip().lower().startswith('http://'):
            self.warn('harbor_url %s is plain http://: the credentials of %s go over the network in clear text; '
                      'use https://' % (self.params['harbor_url'], self.params['harbor_username']))
        self.base = api_base(self.params['harbor_url'])
        self.auth = (self.params['harbor_username'], self.params['harbor_password'])
        ca_path = self.params['ca_path']
        self.verify = ca_path if (ca_path and self.params['validate_certs']) else self.params['validate_certs']
        self.result = dict(changed=False)
        self._credentials_checked = False
        self._version = None

    # ------------------------------------------------------------------ transport
    def _send(self, method, path, query=None, body=None):
        """One HTTP exchange. A fresh ``requests`` call per request: no Session, so no ``sid``
        cookie is ever replayed and Harbor's CSRF check (which only runs when the cookie is
        sent) never applies. Connection failures are retried for GET/PUT/DELETE, and for any
        method when the connection was never made; HTTP answers are never retried. A POST whose
        answer is lost raises HarborUncertain: Harbor may have done it."""
        url = self.base + path
        attempts = max(1, self.params['retries'] + 1)
        where = '%s %s' % (method, path)
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
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                never_sent = _never_sent(exc)
                if method not in RETRY_METHODS and not never_sent:
                    raise HarborUncertain('%s: the connection to Harbor at %s broke before its answer (%s); '
                                          'Harbor may or may not have done it'
                                          % (where, self.params['harbor_url'], _short(exc)))
                if attempt == attempts:
                    if isinstance(exc, requests.exceptions.ReadTimeout):
                        raise HarborError('Harbor at %s did not answer %s within %ss (%d attempt(s))'
                                          % (self.params['harbor_url'], where, self.params['timeout'], attempts))
                    raise HarborError('cannot connect to Harbor at %s (%d attempt(s)): %s'
                                      % (self.params['harbor_url'], attempts, _short(exc)))
                time.sleep(RETRY_DELAY)
            except requests.exceptions.RequestException as exc:
                raise HarborError('request %s to Harbor failed: %s' % (where, _short(exc)))
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
        """JSON object of ``path``, or None when Harbor answers 404."""
        response = self.request('GET', path, query, ok=(200, 404))
        if response.status_code == 404:
            return None
        return json_body(response, 'GET ' + path, dict)

    def list(self, path, query=None):
        """Every item of a paginated list (page_size 100, following Link/X-Total-Count)."""
        query = dict(query or {})
        query.update(page=1, page_size=PAGE_SIZE)
        items = []
        while True:
            response = self.request('GET', path, query)
            page = json_body(response, 'GET ' + path, list) or []
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

    def find_project(self, name):
        """The project named exactly ``name``; a HarborError naming the ``project`` option when Harbor
        has none (the objects that belong to a project, and the lists limited to one)."""
        project = self.find_by_name('/projects', name)
        if not project:
            raise HarborError('project: no project named %r exists in Harbor' % name)
        return project

    # ------------------------------------------------------------------ the Harbor version
    def harbor_version(self):
        """(major, minor, patch) of the Harbor answering, read once from /systeminfo; None when it
        does not say (then nothing is refused for its version)."""
        if self._version is None:
            info = self.get('/systeminfo') or {}
            self._version = parse_version(info.get('harbor_version')) or ()
        return self._version or None

    def version_errors(self, requirements):
        """``requirements``: ``{option: (major, minor, patch)}`` of the options the user set;
        a message per option the Harbor answering is too old for."""
        if not requirements:
            return []
        version = self.harbor_version()
        if version is None:
            return []
        url = self.params['harbor_url']
        return ['%s needs Harbor %s or newer; %s runs %s' % (option, version_text(minimum), url, version_text(version))
                for option, minimum in sorted(requirements.items()) if version < minimum]

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
        return json_body(self.request(method, path, body=body), '%s %s' % (method, path))

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

    # ------------------------------------------------------------------ the converge cycle
    def converge(self, resource):
        """Bring the one object ``resource`` names to the declared state: input checked before any
        request, exact lookup, compare only what the user gave, one diff, create/update/delete
        (check mode aware), and the object as Harbor has it afterwards in ``result[resource.key]``."""
        errors = resource.input_errors()
        if errors:
            raise HarborError('; '.join(errors))
        errors = self.version_errors(dict((option, minimum) for option, minimum in resource.since.items()
                                          if _given(self.params, option)))
        if errors:
            raise HarborError('; '.join(errors))
        resource.prepare()
        if resource.secret and resource.secret.flag and self.params.get('state') != 'absent':
            self.result[resource.secret.flag] = False
        existing = resource.find()
        if self.params.get('state') == 'absent':
            self.result[resource.key] = {}
            if existing:
                self.set_diff(resource.label(existing), {})
                resource.remove(existing)
            return
        desired = resource.desired()
        if not existing:
            existing = self._create(resource, desired)
            if existing is None:
                resource.finish()
                return
        current = resource.current(existing)
        changes = changed_keys(current, desired)
        secret = resource.send_secret(changes)
        self.result['id'] = resource.object_id(existing)
        if changes or secret:
            self.result['changed'] = True
            self.set_diff(*resource.diff(current, desired, changes))
            if not self.check_mode and resource.update(existing, current, desired, changes, secret) is False \
                    and not changes:
                self.result['changed'] = False  # Harbor said the secret was already that one
        self.result[resource.key] = resource.public(self.result['changed'] and not self.check_mode and
                                                    resource.read(existing) or existing)
        resource.finish()

    def _create(self, resource, desired):
        """POST the new object once. Lost answer: look it up (created → carry on with it; absent →
        nothing happened). 409: someone else created it meanwhile → return it to be converged.
        Returns the object to converge further, or None when this run is done."""
        self.set_diff({}, resource.diff({}, desired, sorted(k for k, v in desired.items() if v is not None))[1])
        self.result.update(changed=True, id=None)
        if self.check_mode:
            self.result[resource.key] = {}
            return None
        try:
            created = resource.create()
        except HarborUncertain as exc:
            found = resource.find()
            if not found:
                raise HarborError('%s; it is not in Harbor, so nothing was created: run again' % exc)
            created = resource.recover(found)
        except HarborError as exc:
            if exc.status != 409:
                raise
            found = resource.find()
            if not found:
                raise
            # created by someone else since the lookup: converge it like any existing object
            self.result['changed'] = False
            self.result.pop('diff', None)
            return found
        self.result['id'] = resource.object_id(created)
        self.result[resource.key] = resource.public(resource.read(created) or created)
        return None

    # ------------------------------------------------------------------ state=absent (modules without converge)
    def ensure_absent(self, key, existing, collection, id_key='id', label_key='name', view=None):
        """Delete ``existing`` (if Harbor has it) at ``<collection>/<id>`` and return ``key`` as ``{}``."""
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
        failure = None
        try:
            func(self)
        except HarborError as exc:
            self.result.pop('diff', None)
            failure = dict(self.result, msg=str(exc))
            if exc.status is not None:
                failure['http_status'] = exc.status
        if failure:
            # outside the except block: ansible-core would attach the traceback of the active exception
            self.fail_json(**failure)
        self.exit_json(**self.result)


class Secret(object):
    """A write-only option of a converging module (``Resource.secret``): converge_main adds it with
    ``no_log`` and ``update_secret`` (``alias``: a deprecated former name of that), ``Resource.public``
    leaves Harbor's key of that name out, and ``flag`` names the result saying whether this run sent it."""

    def __init__(self, option, type='str', flag=None, alias=None):
        self.option = option
        self.type = type
        self.flag = flag
        self.alias = alias


class Resource(object):
    """What a module declares about its kind of object; HarborModule.converge does the rest.

    The defaults fit an object at ``<path>/<id>`` looked up by its exact ``name``; a module
    overrides what differs (``current``/``desired`` always: the comparable, secret-free views)."""

    key = None              # result key, for example 'project'
    path = None             # collection path, for example '/projects'
    id_key = 'id'
    name_key = 'name'       # the name's key in Harbor's answer
    name_option = 'name'    # the required option naming the object (converge_main adds it); None: none does
    secret = None           # Secret: the write-only option (sent per update_secret)
    described = False       # has the free-text ``description`` option (converge_main adds it)
    since = {}              # {option: (major, minor, patch)}: options older Harbors do not have
    project_scoped = False  # in the project the ``project`` option names (converge_main adds it; see prepare)
    project_path = None     # of a project-scoped object: its collection under the project, for example 'members'

    def __init__(self, module):
        self.module = module
        self.params = module.params

    @property
    def name(self):
        return self.params[self.name_option]

    # -- checks before any request (the name is one of them)
    def input_errors(self):
        errors = []
        if not (self.name or '').strip():
            errors.append('%s must not be empty' % self.name_option)
        if self.project_scoped and self.name_option != 'project' and not (self.params['project'] or '').strip():
            errors.append('project must not be empty')
        return errors

    def prepare(self):
        """Read what the object refers to (by name) before comparing; may fail naming the option.
        Here: the project of a project-scoped object, and ``path`` under it when it has a ``project_path``."""
        if self.project_scoped:
            self.project = self.module.find_project(self.params['project'])
            if self.project_path:
                self.path = '/projects/%d/%s' % (self.project['project_id'], self.project_path)

    # -- reading
    def find(self):
        return self.module.find_by_name(self.path, self.name, key=self.name_key)

    def object_id(self, obj):
        return obj.get(self.id_key)

    def object_path(self, obj):
        return '%s/%s' % (self.path, self.object_id(obj))

    def read(self, obj):
        return self.module.get(self.object_path(obj))

    def public(self, obj):
        """The object as returned to the user: never a secret (Harbor's key named like the secret option is left out)."""
        hidden = self.secret.option if self.secret else None
        return dict((k, v) for k, v in (obj or {}).items() if k != hidden)

    def label(self, obj):
        return {self.name_key: obj.get(self.name_key)}

    def current(self, obj):
        raise NotImplementedError

    def desired(self):
        raise NotImplementedError

    def diff(self, current, desired, keys):
        """(before, after) of ``keys``; the views never hold a secret."""
        return diff_view(current, desired, keys)

    # -- writing (never called in check mode)
    def create_body(self):
        raise NotImplementedError

    def create(self):
        """POST the object; returns it (at least its id)."""
        response = self.module.request('POST', self.path, body=self.create_body(), ok=(201, 200))
        tail = response.headers.get('Location', '').rstrip('/').rsplit('/', 1)[-1]
        return {self.id_key: int(tail) if tail.isdigit() else tail}

    def recover(self, found):
        """The create's answer was lost but ``found`` exists: finish what create would have done."""
        return found

    def update_body(self, existing, desired, changes, secret):
        return dict((key, desired[key]) for key in changes)

    def update(self, existing, current, desired, changes, secret):
        """Write the changes (and the secret when due); False when Harbor changed nothing."""
        self.module.request('PUT', self.object_path(existing),
                            body=self.update_body(existing, desired, changes, secret))

    def remove(self, existing):
        self.module.delete(self.object_path(existing))

    def finish(self):
        """Add what the module returns besides the object (after a create or an update)."""

    def send_secret(self, changes):
        """Whether this run sends the write-only secret to an existing object (update_secret)."""
        if not self.secret or self.params.get(self.secret.option) is None:
            return False
        return self.params.get('update_secret') == 'always'


def converge_main(resource_class, argument_spec, **kwargs):
    """A module's main(): its options plus the one naming the object (``Resource.name_option``), ``state``
    (``project`` when the object belongs to a project, ``description`` when it has one, the write-only secret
    and ``update_secret`` when it has one), then the converge of one ``resource_class`` object."""
    spec = dict(argument_spec, state=dict(type='str', default='present', choices=['present', 'absent']))
    if resource_class.name_option:
        spec[resource_class.name_option] = dict(type='str', required=True)
    if resource_class.project_scoped:
        spec.update(project=dict(type='str', required=True))
    if resource_class.described:
        spec.update(description=dict(type='str'))
    secret = resource_class.secret
    if secret:
        spec[secret.option] = dict(type=secret.type, no_log=True)
        spec.update(secret_argument_spec(alias=secret.alias))
    module = HarborModule(argument_spec=spec, **kwargs)
    module.run(lambda module: module.converge(resource_class(module)))


def secret_argument_spec(alias=None, choices=('always', 'on_create')):
    """The one option every module with a write-only secret has; ``alias``: its deprecated former name."""
    spec = dict(type='str', default='on_create', choices=list(choices), no_log=False)
    if alias:
        spec.update(aliases=[alias], deprecated_aliases=[dict(name=alias, version='1.0.0',
                                                              collection_name='harborops.ha')])
    return dict(update_secret=spec)


def _given(params, option):
    """Whether the user set ``option`` (``a.b``: key b of dict option a)."""
    head, _sep, tail = option.partition('.')
    value = params.get(head)
    if tail:
        value = (value or {}).get(tail) if isinstance(value, dict) else None
    return value is not None


def _never_sent(exc):
    """True when the connection was never made (refused, DNS, connect timeout): nothing reached Harbor."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], 'reason', None) if exc.args else None
    text = '%s %s' % (type(reason).__name__, reason)
    return 'NewConnectionError' in text or 'NameResolutionError' in text or 'Connection refused' in str(exc)


def json_body(response, where, expect=None):
    """The JSON of an answer (None when empty); a body that is not JSON, or not the ``expect``
    type, is Harbor's answer gone wrong (a proxy page, a truncated body): a clean error."""
    if not response.content:
        return None
    try:
        body = response.json()
    except ValueError:
        body = _NOT_JSON
    if body is _NOT_JSON or (expect is not None and not isinstance(body, expect)):
        kind = 'not JSON' if body is _NOT_JSON else 'JSON but not %s' % ('an object' if expect is dict else 'a list')
        raise HarborError('Harbor answered %s with HTTP %s and a body that is %s (%s): %r'
                          % (where, response.status_code, kind,
                             response.headers.get('Content-Type', 'no content type'),
                             (response.text or '')[:200]), status=response.status_code)
    return body


_NOT_JSON = object()


def _first_code(response):
    try:
        return response.json()['errors'][0]['code']
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def _short(exc):
    """The part of a requests/urllib3 exception a human needs (e.g. "[Errno 111] Connection refused")."""
    text = str(exc)
    match = re.search(r'(\[Errno [^\]]+\][^\'"()]*|certificate verify failed[^\'"()]*|Read timed out[^\'"()]*'
                      r'|Remote end closed connection without response|Connection reset by peer)', text)
    if match:
        return match.group(1).strip().rstrip('.')
    return text[:400]
