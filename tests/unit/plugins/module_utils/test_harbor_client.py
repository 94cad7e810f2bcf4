"""Pure helpers of module_utils/_harbor.py (no HTTP)."""

from ansible_collections.harborops.ha.plugins.module_utils._harbor import (
    api_base, error_text, find_exact, next_link, q_value)


class FakeResponse(object):
    def __init__(self, body=None, text='', reason='Bad Request'):
        self._body = body
        self.text = text
        self.reason = reason

    def json(self):
        if self._body is None:
            raise ValueError('no json')
        return self._body


def test_api_base_variants():
    for url in ('https://h.example.com', 'https://h.example.com/', 'https://h.example.com/api/v2.0',
                ' https://h.example.com/api/v2.0/ '):
        assert api_base(url) == 'https://h.example.com/api/v2.0'


def test_error_text_harbor_body():
    body = {'errors': [{'code': 'BAD_REQUEST', 'message': 'the registry is unhealthy'}]}
    assert error_text(FakeResponse(body)) == 'BAD_REQUEST: the registry is unhealthy'


def test_error_text_falls_back_to_text_then_reason():
    assert error_text(FakeResponse(text='<html>bad gateway</html>')) == '<html>bad gateway</html>'
    assert error_text(FakeResponse(reason='Bad Gateway')) == 'Bad Gateway'


def test_next_link_harbor_format():
    header = ('</api/v2.0/projects?page=1&page_size=10>; rel="prev" , '
              '</api/v2.0/projects?page=3&page_size=10>; rel="next"')
    assert next_link(header) == '/api/v2.0/projects?page=3&page_size=10'
    assert next_link('</api/v2.0/projects?page=1&page_size=10>; rel="prev"') is None
    assert next_link('') is None
    assert next_link(None) is None


def test_find_exact_ignores_fuzzy_matches():
    items = [{'name': 'site-b-old'}, {'name': 'Site-B'}, {'name': 'site-b'}]
    assert find_exact(items, 'site-b') is items[2]
    assert find_exact(items, 'site') is None
    assert find_exact(None, 'x') is None


def test_q_value_survives_harbors_second_unescape():
    from urllib.parse import unquote
    for name in ('team-a+ci', 'plain', '100%', 'a b'):
        assert unquote(q_value(name)) == name
    assert q_value('team-a+ci') == 'team-a%2Bci'


def test_short_keeps_the_useful_part():
    from ansible_collections.harborops.ha.plugins.module_utils._harbor import _short
    refused = Exception("HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded (Caused by "
                        "NewConnectionError(\"...: Failed to establish a new connection: [Errno 111] Connection refused\"))")
    assert _short(refused) == '[Errno 111] Connection refused'
    tls = Exception("(Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate "
                    "verify failed: unable to get local issuer certificate (_ssl.c:1006)')))")
    assert _short(tls) == 'certificate verify failed: unable to get local issuer certificate'
    assert _short(Exception('other')) == 'other'


class FakeProjects(object):
    """The part of HarborModule that Resource.prepare uses, with Harbor's projects in a dict."""

    def __init__(self, params, projects):
        self.params = params
        self.projects = projects

    def find_by_name(self, path, name):
        assert path == '/projects'
        return self.projects.get(name)

    def find_project(self, name):
        from ansible_collections.harborops.ha.plugins.module_utils._harbor import HarborModule
        return HarborModule.find_project(self, name)


def test_project_scoped_resource_reads_its_project_and_path():
    from ansible_collections.harborops.ha.plugins.module_utils._harbor import Resource

    class Member(Resource):
        project_scoped = True
        project_path = 'members'

    module = FakeProjects({'name': 'alice', 'project': 'team-a'}, {'team-a': {'project_id': 7, 'name': 'team-a'}})
    member = Member(module)
    member.prepare()
    assert member.project['project_id'] == 7 and member.path == '/projects/7/members'
    assert Member(FakeProjects({'name': 'alice', 'project': ' '}, {})).input_errors() == ['project must not be empty']


def test_project_scoped_resource_names_the_missing_project():
    import pytest
    from ansible_collections.harborops.ha.plugins.module_utils._harbor import HarborError, Resource

    class Policy(Resource):
        project_scoped = True
        name_option = 'project'
        path = '/retentions'

    policy = Policy(FakeProjects({'project': 'nope'}, {}))
    with pytest.raises(HarborError, match="^project: no project named 'nope' exists in Harbor$"):
        policy.prepare()
    assert policy.path == '/retentions'


def test_converge_main_adds_the_declared_options(monkeypatch):
    """Resource.secret and Resource.described: converge_main adds the secret option (always no_log),
    update_secret (with the deprecated alias) and description; public() leaves Harbor's secret key out."""
    import pytest
    from ansible_collections.harborops.ha.plugins.module_utils import _harbor

    class Thing(_harbor.Resource):
        key = 'thing'
        secret = _harbor.Secret('auth_info', type='dict', flag='auth_info_updated', alias='update_auth')
        described = True

    seen = {}

    class Stop(Exception):
        pass

    def fake_module(argument_spec, **kwargs):
        seen.update(argument_spec)
        raise Stop()

    monkeypatch.setattr(_harbor, 'HarborModule', fake_module)
    with pytest.raises(Stop):
        _harbor.converge_main(Thing, dict(enabled=dict(type='bool')))
    assert seen['auth_info'] == dict(type='dict', no_log=True)
    assert seen['description'] == dict(type='str')
    assert seen['update_secret']['aliases'] == ['update_auth'] and seen['update_secret']['default'] == 'on_create'
    assert seen['name'] == dict(type='str', required=True) and 'enabled' in seen and 'state' in seen
    thing = Thing(FakeProjects({'name': 'x'}, {}))
    assert thing.public({'id': 1, 'auth_info': {'token': 't'}}) == {'id': 1}
