"""HarborModule's transport: pagination, retries on connection errors only, credential check,
check mode and 404 handling (requests replaced by a scripted fake; no network)."""

import pytest
import requests

from ansible_collections.harborops.ha.plugins.module_utils import _harbor
from ansible_collections.harborops.ha.plugins.module_utils._harbor import HarborError, HarborModule


class Response(object):
    def __init__(self, status=200, body=None, headers=None):
        self.status_code = status
        self._body = body
        self.headers = headers or {}
        self.content = b'' if body is None else b'x'
        self.text = '' if body is None else str(body)
        self.reason = 'reason'

    def json(self):
        if self._body is None:
            raise ValueError('empty')
        return self._body


def make_module(check_mode=False, retries=2):
    """A HarborModule without AnsibleModule's argument parsing."""
    module = HarborModule.__new__(HarborModule)
    module.params = {'harbor_url': 'https://h.example.com', 'timeout': 5, 'retries': retries}
    module.base = 'https://h.example.com/api/v2.0'
    module.auth = ('admin', 'pw')
    module.verify = True
    module.check_mode = check_mode
    module.result = {'changed': False}
    module._credentials_checked = True
    return module


@pytest.fixture
def script(monkeypatch):
    """Queue of responses/exceptions handed out by the fake requests.request; records calls."""
    calls = []
    queue = []

    def fake_request(method, url, **kwargs):
        calls.append((method, url, dict(kwargs.get('params') or {}), kwargs.get('json')))
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    monkeypatch.setattr(_harbor.requests, 'request', fake_request)
    monkeypatch.setattr(_harbor, 'RETRY_DELAY', 0)
    return queue, calls


def test_list_follows_pages_until_total(script):
    queue, calls = script
    first_headers = {'X-Total-Count': '150', 'Link': '</api/v2.0/x?page=2&page_size=100>; rel="next"'}
    queue.extend([
        Response(200, [{'id': i} for i in range(100)], first_headers),
        Response(200, [{'id': i} for i in range(100, 150)], {'X-Total-Count': '150'}),
    ])
    items = make_module().list('/x', {'q': 'name=a'})
    assert [i['id'] for i in items] == list(range(150))
    assert [c[2]['page'] for c in calls] == [1, 2]
    assert all(c[2]['page_size'] == 100 and c[2]['q'] == 'name=a' for c in calls)


def test_list_stops_on_empty_page(script):
    queue, calls = script
    queue.append(Response(200, [], {'X-Total-Count': '5'}))
    assert make_module().list('/x') == []
    assert len(calls) == 1


def test_connection_errors_are_retried(script):
    queue, calls = script
    queue.extend([requests.exceptions.ConnectionError('refused'), Response(200, {'ok': True})])
    assert make_module().get('/x') == {'ok': True}
    assert len(calls) == 2


def test_connection_errors_give_up_after_retries(script):
    queue, calls = script
    queue.extend([requests.exceptions.ConnectionError('[Errno 111] Connection refused')] * 3)
    with pytest.raises(HarborError) as err:
        make_module(retries=2).get('/x')
    assert 'cannot connect to Harbor at https://h.example.com (3 attempt(s))' in str(err.value)
    assert len(calls) == 3


def test_http_errors_are_not_retried_and_explained(script):
    queue, calls = script
    queue.append(Response(500, {'errors': [{'code': 'UNKNOWN', 'message': 'internal server error'}]}))
    with pytest.raises(HarborError) as err:
        make_module().request('POST', '/registries', body={'name': 'x'})
    assert str(err.value) == 'Harbor API POST /registries failed: HTTP 500 UNKNOWN: internal server error'
    assert err.value.status == 500
    assert len(calls) == 1


def test_tls_errors_are_not_retried(script):
    queue, calls = script
    queue.append(requests.exceptions.SSLError('certificate verify failed: self signed certificate'))
    with pytest.raises(HarborError) as err:
        make_module().get('/x')
    assert 'TLS verification of https://h.example.com failed' in str(err.value)
    assert len(calls) == 1


@pytest.mark.parametrize('status, outcome', [(200, None), (412, None), (401, 'authentication failed'),
                                             (500, 'credential check')])
def test_credential_check(script, status, outcome):
    queue, calls = script
    queue.append(Response(status, {'errors': [{'code': 'X', 'message': 'y'}]}))
    module = make_module()
    if outcome is None:
        module.check_credentials()
    else:
        with pytest.raises(HarborError) as err:
            module.check_credentials()
        assert outcome in str(err.value)
        assert 'pw' not in str(err.value)
    assert calls[0][:2] == ('GET', 'https://h.example.com/api/v2.0/users/current')


def test_get_404_is_none_and_delete_404_is_absent(script):
    queue, calls = script
    queue.extend([Response(404, {'errors': []}), Response(404, {'errors': []})])
    module = make_module()
    assert module.get('/registries/9') is None
    assert module.delete('/registries/9') is False
    assert module.result['changed'] is False


def test_check_mode_sends_no_write(script):
    queue, calls = script
    module = make_module(check_mode=True)
    assert module.create('/projects', {'project_name': 'p'}) is None
    assert module.write('PUT', '/projects/1', {}) is None
    assert module.delete('/projects/1') is True
    assert module.result['changed'] is True
    assert calls == []


def test_create_returns_id_from_location(script):
    queue, calls = script
    queue.append(Response(201, None, {'Location': '/api/v2.0/registries/3'}))
    module = make_module()
    assert module.create('/registries', {'name': 'r'}) == 3
    assert module.result['changed'] is True


@pytest.mark.parametrize('check_mode', [False, True])
def test_ensure_absent_deletes_what_exists(script, check_mode):
    queue, calls = script
    queue.append(Response(200, None))
    module = make_module(check_mode=check_mode)
    module._diff = True
    module.ensure_absent('user', {'user_id': 7, 'username': 'alice'}, '/users', id_key='user_id',
                         label_key='username')
    assert module.result == {'changed': True, 'user': {}, 'diff': {'before': {'username': 'alice'}, 'after': {}}}
    assert [c[:2] for c in calls] == ([] if check_mode else [('DELETE', 'https://h.example.com/api/v2.0/users/7')])


def test_ensure_absent_of_nothing_changes_nothing(script):
    queue, calls = script
    module = make_module()
    module._diff = True
    module.ensure_absent('robot', None, '/robots', view=lambda robot: 1 / 0)
    assert module.result == {'changed': False, 'robot': {}}
    assert calls == []


def test_ensure_absent_diff_uses_the_view(script):
    queue, calls = script
    queue.append(Response(200, None))
    module = make_module()
    module._diff = True
    module.ensure_absent('registry', {'id': 3, 'name': 'r', 'url': 'https://r'}, '/registries',
                         view=lambda registry: {'url': registry['url']})
    assert module.result['diff']['before'] == {'url': 'https://r'}
    assert calls[0][:2] == ('DELETE', 'https://h.example.com/api/v2.0/registries/3')


@pytest.mark.parametrize('changed, check_mode, rereads', [(True, False, True), (False, False, False),
                                                          (True, True, False)])
def test_report_rereads_only_after_a_real_write(script, changed, check_mode, rereads):
    queue, calls = script
    queue.append(Response(200, {'id': 1, 'description': 'new'}))
    module = make_module(check_mode=check_mode)
    module.result['changed'] = changed
    module.report('policy', '/replication/policies/1', {'id': 1, 'description': 'old'})
    assert module.result['policy']['description'] == ('new' if rereads else 'old')
    assert [c[:2] for c in calls] == ([('GET', 'https://h.example.com/api/v2.0/replication/policies/1')]
                                      if rereads else [])


# ----------------------------------------------------------------- safe retries, bodies, inputs, version
def lost_answer():
    """What requests raises when Harbor got the request and the connection broke before the answer."""
    return requests.exceptions.ConnectionError(
        "('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))")


def test_post_is_never_resent_after_a_lost_answer(script):
    queue, calls = script
    queue.append(lost_answer())
    with pytest.raises(_harbor.HarborUncertain) as err:
        make_module(retries=3).request('POST', '/replication/executions', body={'policy_id': 1})
    assert 'POST /replication/executions: the connection to Harbor at https://h.example.com broke' in str(err.value)
    assert 'Remote end closed connection without response' in str(err.value)
    assert len(calls) == 1


def test_post_is_retried_when_the_connection_was_never_made(script):
    queue, calls = script
    queue.extend([requests.exceptions.ConnectionError('[Errno 111] Connection refused'), Response(201, None)])
    assert make_module().request('POST', '/projects', body={}).status_code == 201
    assert len(calls) == 2


@pytest.mark.parametrize('method', ['GET', 'PUT', 'DELETE'])
def test_idempotent_methods_are_retried_after_a_lost_answer(script, method):
    queue, calls = script
    queue.extend([lost_answer(), Response(200, {'ok': True})])
    assert make_module().request(method, '/x').status_code == 200
    assert len(calls) == 2


def test_read_timeout_of_a_get_is_retried_then_explained(script):
    queue, calls = script
    queue.extend([requests.exceptions.ReadTimeout('Read timed out. (read timeout=5)')] * 2)
    with pytest.raises(HarborError) as err:
        make_module(retries=1).get('/x')
    assert str(err.value) == 'Harbor at https://h.example.com did not answer GET /x within 5s (2 attempt(s))'


def not_json():
    raise ValueError('no JSON')


@pytest.mark.parametrize('body, expect, kind', [('<html>proxy</html>', None, 'not JSON'),
                                                ([1, 2], dict, 'JSON but not an object'),
                                                ({'a': 1}, list, 'JSON but not a list')])
def test_answers_that_are_not_the_expected_json_fail_cleanly(body, expect, kind):
    response = Response(200, body, {'Content-Type': 'text/html'})
    if isinstance(body, str):
        response.json = not_json
    with pytest.raises(HarborError) as err:
        _harbor.json_body(response, 'GET /projects', expect)
    assert str(err.value).startswith('Harbor answered GET /projects with HTTP 200 and a body that is %s' % kind)


def test_get_and_list_refuse_a_non_json_200(script):
    queue, calls = script
    bad = Response(200, '<html>', {'Content-Type': 'text/html'})
    bad.json = not_json
    queue.append(bad)
    with pytest.raises(HarborError, match='body that is not JSON'):
        make_module().list('/projects')


@pytest.mark.parametrize('change, message', [
    ({'timeout': 0}, 'timeout must be a positive number of seconds, got 0'),
    ({'retries': -1}, 'retries must be 0 or more, got -1'),
    ({'harbor_url': 'harbor.example.com'},
     "harbor_url must be an http:// or https:// URL with a host, got 'harbor.example.com'"),
    ({'ca_path': '/nonexistent/ca.crt'}, 'ca_path /nonexistent/ca.crt does not exist'),
    ({'harbor_username': ' '}, 'harbor_username must not be empty'),
])
def test_connection_options_are_checked_before_any_request(change, message):
    params = dict(harbor_url='https://h', harbor_username='admin', validate_certs=True, ca_path=None, timeout=30,
                  retries=3)
    assert _harbor.connection_errors(params) == []
    params.update(change)
    assert _harbor.connection_errors(params) == [message]
    unchecked = [] if 'ca_path' in change else [message]
    assert _harbor.connection_errors(dict(params, validate_certs=False)) == unchecked
    if 'harbor_url' not in change:  # plain http uses no CA (it warns instead)
        assert _harbor.connection_errors(dict(params, harbor_url='http://h')) == unchecked


def test_version_is_read_once_and_old_versions_refuse_new_options(script):
    queue, calls = script
    queue.append(Response(200, {'harbor_version': 'v2.12.4-e4a5d4b1', 'auth_mode': 'db_auth'}))
    module = make_module()
    module._version = None
    assert module.harbor_version() == (2, 12, 4)
    assert module.version_errors({'ca_certificate': (2, 15, 0), 'metadata.proxy_speed_kb': (2, 12, 0)}) == [
        'ca_certificate needs Harbor 2.15.0 or newer; https://h.example.com runs 2.12.4']
    assert len(calls) == 1


def test_unknown_version_refuses_nothing(script):
    queue, calls = script
    queue.append(Response(200, {'auth_mode': 'db_auth'}))
    module = make_module()
    module._version = None
    assert module.version_errors({'ca_certificate': (2, 15, 0)}) == []
    assert module.version_errors({'ca_certificate': (2, 15, 0)}) == []
    assert len(calls) == 1


# ----------------------------------------------------------------- the converge cycle
class Thing(_harbor.Resource):
    """A minimal object: name + description at /things."""
    key = 'thing'
    path = '/things'

    def current(self, obj):
        return {'description': obj.get('description') or ''}

    def desired(self):
        return {'description': self.params['description']}

    def create_body(self):
        return {'name': self.name, 'description': self.params['description']}


def converge_module(check_mode=False, **params):
    module = make_module(check_mode=check_mode)
    module.params.update(dict(name='t1', state='present', description='new'), **params)
    module._diff = True
    module._version = ()
    return module


def listing(*items):
    return Response(200, list(items), {'X-Total-Count': str(len(items))})


def test_converge_creates_in_check_mode_without_writing(script):
    queue, calls = script
    queue.append(listing())
    module = converge_module(check_mode=True)
    module.converge(Thing(module))
    assert module.result == {'changed': True, 'id': None, 'thing': {},
                             'diff': {'before': {}, 'after': {'description': 'new'}}}
    assert [c[0] for c in calls] == ['GET']


def test_converge_updates_only_what_differs_and_reports_the_new_state(script):
    queue, calls = script
    queue.extend([listing({'id': 4, 'name': 't1', 'description': 'old'}), Response(200, None),
                  Response(200, {'id': 4, 'name': 't1', 'description': 'new'})])
    module = converge_module()
    module.converge(Thing(module))
    assert module.result['changed'] and module.result['thing']['description'] == 'new'
    assert module.result['diff'] == {'before': {'description': 'old'}, 'after': {'description': 'new'}}
    assert [(c[0], c[1].rsplit('/api/v2.0', 1)[1], c[3]) for c in calls[1:]] == [
        ('PUT', '/things/4', {'description': 'new'}), ('GET', '/things/4', None)]


def test_converge_409_on_create_converges_what_another_run_created(script):
    queue, calls = script
    queue.extend([listing(), Response(409, {'errors': [{'code': 'CONFLICT', 'message': 'exists'}]}),
                  listing({'id': 7, 'name': 't1', 'description': 'new'})])
    module = converge_module()
    module.converge(Thing(module))
    assert module.result['changed'] is False and module.result['id'] == 7 and 'diff' not in module.result
    assert [c[0] for c in calls] == ['GET', 'POST', 'GET']


def test_converge_lost_create_answer_looks_up_instead_of_resending(script):
    queue, calls = script
    queue.extend([listing(), lost_answer(), listing({'id': 9, 'name': 't1', 'description': 'new'}),
                  Response(200, {'id': 9, 'name': 't1', 'description': 'new'})])
    module = converge_module()
    module.converge(Thing(module))
    assert module.result['changed'] and module.result['id'] == 9
    assert [c[0] for c in calls] == ['GET', 'POST', 'GET', 'GET']
    queue.extend([listing(), lost_answer(), listing()])
    module = converge_module()
    with pytest.raises(HarborError, match='it is not in Harbor, so nothing was created: run again'):
        module.converge(Thing(module))


def test_converge_refuses_bad_input_before_any_request(script):
    queue, calls = script
    module = converge_module(name=' ')
    with pytest.raises(HarborError, match='^name must not be empty$'):
        module.converge(Thing(module))
    assert calls == []
