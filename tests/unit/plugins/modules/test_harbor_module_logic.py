"""Pure decision functions of the harbor_* modules (what counts as a change, what is sent)."""

import pytest

from ansible_collections.harborops.ha.plugins.modules import (
    harbor_config, harbor_project, harbor_registry, harbor_replication_policy, harbor_robot, harbor_user)


# ----------------------------------------------------------------------------- harbor_registry
def registry_params(**kw):
    params = dict(name='site-b', type='harbor', url='https://b.example.com/', access_key='robot$r',
                  access_secret='S3cretX1', credential_type='basic', update_secret='on_create', insecure=None,
                  description=None, ca_certificate=None)
    params.update(kw)
    return params


REGISTRY_GET = {'id': 3, 'name': 'site-b', 'type': 'harbor', 'url': 'https://b.example.com',
                'credential': {'type': 'basic', 'access_key': 'robot$r', 'access_secret': '*****'},
                'status': 'healthy'}


def test_registry_same_after_url_normalisation():
    current = harbor_registry.current_view(REGISTRY_GET)
    desired = harbor_registry.desired_view(registry_params())
    changes = [k for k, v in desired.items() if v is not None and current[k] != v]
    assert changes == []
    body, sent = harbor_registry.update_body(changes, desired, registry_params())
    assert body == {} and not sent


def test_registry_omitted_false_insecure_is_false():
    current = harbor_registry.current_view(REGISTRY_GET)
    assert current['insecure'] is False and current['description'] == ''


def test_registry_secret_only_with_always_or_key_change():
    params = registry_params(update_secret='always')
    desired = harbor_registry.desired_view(params)
    body, sent = harbor_registry.update_body([], desired, params)
    assert sent and body['access_secret'] == 'S3cretX1' and body['access_key'] == 'robot$r'
    params = registry_params(access_key='robot$new')
    body, sent = harbor_registry.update_body(['access_key'], harbor_registry.desired_view(params), params)
    assert sent and body['access_key'] == 'robot$new'


def test_registry_description_change_sends_no_secret():
    params = registry_params(description='DR peer')
    body, sent = harbor_registry.update_body(['description'], harbor_registry.desired_view(params), params)
    assert body == {'description': 'DR peer'} and not sent


def test_registry_create_body_nested_credential():
    body = harbor_registry.create_body(registry_params())
    assert body['url'] == 'https://b.example.com'
    assert body['credential'] == {'type': 'basic', 'access_key': 'robot$r', 'access_secret': 'S3cretX1'}
    assert 'credential' not in harbor_registry.create_body(registry_params(access_key=None))


# ----------------------------------------------------------------------------- replication policy
def policy_params(**kw):
    params = dict(name='p', description='', src_registry='Local', dest_registry='site-b', dest_namespace='',
                  dest_namespace_replace_count=-1, trigger={'type': 'manual', 'cron': None}, filters=[],
                  replicate_deletion=False, override=True, enabled=True, speed=0, copy_by_chunk=False)
    params.update(kw)
    return params


POLICY_GET = {
    'id': 7, 'name': 'p', 'src_registry': {'id': 0, 'name': 'Local'}, 'dest_registry': {'id': 3, 'name': 'site-b'},
    'dest_namespace_replace_count': -1, 'trigger': {'type': 'manual', 'trigger_settings': {}}, 'filters': None,
    'override': True, 'enabled': True, 'speed': 0, 'copy_by_chunk': False}


def test_policy_get_equals_desired_with_omitted_zeros():
    desired = harbor_replication_policy.desired_state(policy_params(), 0, 3)
    assert harbor_replication_policy.current_state(POLICY_GET) == desired


def test_policy_reads_deletion_and_negative_speed():
    got = dict(POLICY_GET, deletion=True, replicate_deletion=True, speed=-1)
    current = harbor_replication_policy.current_state(got)
    assert current['replicate_deletion'] is True and current['speed'] == 0
    desired = harbor_replication_policy.desired_state(policy_params(replicate_deletion=True, speed=-1), 0, 3)
    assert current == desired


def test_policy_body_sends_both_deletion_keys_and_whole_policy():
    desired = harbor_replication_policy.desired_state(
        policy_params(replicate_deletion=True, trigger={'type': 'scheduled', 'cron': '0 0 2 * * *'}), 0, 3)
    body = harbor_replication_policy.request_body(desired, [])
    assert body['deletion'] is True and body['replicate_deletion'] is True
    assert body['trigger'] == {'type': 'scheduled', 'trigger_settings': {'cron': '0 0 2 * * *'}}
    assert body['src_registry'] == {'id': 0} and body['dest_registry'] == {'id': 3}
    for key in ('enabled', 'override', 'speed', 'copy_by_chunk', 'dest_namespace_replace_count', 'filters'):
        assert key in body


def test_policy_filter_order_is_not_a_change():
    filters = [{'type': 'tag', 'value': 'v*', 'decoration': None},
               {'type': 'name', 'value': 'lib/**', 'decoration': None}]
    desired = harbor_replication_policy.desired_state(policy_params(filters=filters), 0, 3)
    got = dict(POLICY_GET, filters=[{'type': 'name', 'value': 'lib/**'},
                                    {'type': 'tag', 'value': 'v*', 'decoration': 'matches'}])
    assert harbor_replication_policy.current_state(got) == desired


def test_policy_input_errors():
    errors = harbor_replication_policy.input_errors
    assert errors(policy_params()) == []
    assert 'exactly one' in errors(policy_params(dest_registry='Local'))[0]
    assert 'exactly one' in errors(policy_params(src_registry='a', dest_registry='b'))[0]
    assert 'cron' in errors(policy_params(trigger={'type': 'scheduled', 'cron': '0 0 2 * *'}))[0]
    assert 'event_based' in errors(policy_params(src_registry='site-b', dest_registry='Local',
                                                 trigger={'type': 'event_based', 'cron': None}))[0]
    assert 'decoration' in errors(policy_params(filters=[{'type': 'name', 'value': 'x',
                                                          'decoration': 'excludes'}]))[0]
    assert 'resource' in errors(policy_params(filters=[{'type': 'resource', 'value': 'chart',
                                                        'decoration': None}]))[0]


# ----------------------------------------------------------------------------- harbor_project
def test_project_metadata_strings_and_severity_case():
    params = dict(metadata={'auto_scan': True, 'severity': 'HIGH'}, public=False)
    desired = harbor_project.desired_metadata(params)
    assert desired == {'auto_scan': 'true', 'severity': 'high', 'public': 'false'}
    assert harbor_project.metadata_errors(desired) == []


def test_project_metadata_harbor_would_drop_is_refused():
    errors = harbor_project.metadata_errors({'auto_scan': 'true', 'colour': 'red', 'retention_id': '3'})
    assert errors[0].startswith('metadata: Harbor does not keep colour, retention_id (known keys: ')
    assert 'severity must be one of' in harbor_project.metadata_errors({'severity': 'urgent'})[0]
    assert 'proxy_speed_kb only apply to proxy-cache projects' in harbor_project.metadata_errors(
        {'proxy_speed_kb': '100'}, proxy=False)[0]
    assert harbor_project.metadata_errors({'proxy_speed_kb': '100'}, proxy=True) == []


def test_project_quota_bounds():
    assert harbor_project.quota_error(None) is None
    assert harbor_project.quota_error(-1) is None
    assert harbor_project.quota_error(1024 ** 3) is None
    assert 'storage_quota' in harbor_project.quota_error(0)
    assert 'storage_quota' in harbor_project.quota_error(1024 ** 5 + 1)


# ----------------------------------------------------------------------------- harbor_user
def test_user_password_policy():
    assert harbor_user.password_error(None) is None
    assert harbor_user.password_error('Passw0rdOK') is None
    for bad in ('short1A', 'alllower1', 'ALLUPPER1', 'NoDigitsHere'):
        assert 'password must be' in harbor_user.password_error(bad)


# ----------------------------------------------------------------------------- harbor_robot
def robot_params(**kw):
    params = dict(name='ci', level='project', project='team-a', duration=-1, secret=None,
                  permissions=[{'kind': 'project', 'namespace': None,
                                'access': [{'resource': 'repository', 'action': 'pull'}]}])
    params.update(kw)
    return params


def test_robot_names_and_defaults():
    assert harbor_robot.stored_name(robot_params()) == 'team-a+ci'
    assert harbor_robot.stored_name(robot_params(level='system')) == 'ci'
    assert harbor_robot.is_robot_named({'name': 'robot$team-a+ci'}, 'team-a+ci')
    assert not harbor_robot.is_robot_named({'name': 'robot$team-a+ci2'}, 'team-a+ci')
    perms = harbor_robot.desired_permissions(robot_params())
    assert perms[0]['namespace'] == 'team-a'


def test_robot_input_errors():
    errors = harbor_robot.input_errors
    assert errors(robot_params()) == []
    assert 'project is required' in errors(robot_params(project=None))[0]
    assert 'duration' in errors(robot_params(duration=0))[0]
    assert 'secret' in errors(robot_params(secret='weak'))[0]
    assert 'name' in errors(robot_params(name='CI Bot'))[0]


def test_robot_current_view_sorts_permissions():
    robot = {'description': '', 'duration': -1, 'disable': False, 'permissions': [
        {'kind': 'project', 'namespace': 'team-a', 'access': [{'resource': 'repository', 'action': 'push'},
                                                              {'resource': 'repository', 'action': 'pull'}]}]}
    view = harbor_robot.current_view(robot)
    assert [a['action'] for a in view['permissions'][0]['access']] == ['pull', 'push']


# ----------------------------------------------------------------------------- harbor_config
def config_params(**kw):
    params = dict((k, None) for k in harbor_config.TOP_KEYS)
    params.update(ldap=None, oidc=None, extra_settings=None)
    params.update(kw)
    return params


def test_config_flat_values():
    got = {'auth_mode': {'value': 'db_auth', 'editable': True}, 'scan_all_policy': {'type': 'none'}}
    assert harbor_config.flat_values(got)['auth_mode'] == 'db_auth'


def test_config_secret_only_with_its_group_changing():
    params = config_params(ldap={'url': 'ldap://l', 'search_password': 'pw', 'scope': None},
                           token_expiration=30)
    settings, secrets = harbor_config.desired_settings(params)
    assert settings == {'ldap_url': 'ldap://l', 'token_expiration': 30}
    assert secrets == {'ldap_search_password': 'pw'}
    changes, send = harbor_config.plan({'ldap_url': 'ldap://l', 'token_expiration': 60}, settings, secrets,
                                       'on_create')
    assert changes == {'token_expiration': 30} and send == {}
    changes, send = harbor_config.plan({'ldap_url': 'ldap://old', 'token_expiration': 30}, settings, secrets,
                                       'on_create')
    assert changes == {'ldap_url': 'ldap://l'} and send == {'ldap_search_password': 'pw'}
    changes, send = harbor_config.plan({'ldap_url': 'ldap://l', 'token_expiration': 30}, settings, secrets,
                                       'always')
    assert changes == {} and send == {'ldap_search_password': 'pw'}


def test_config_unknown_keys_and_returned_secrets():
    current = {'auth_mode': 'db_auth', 'banner_message': '', 'uaa_client_secret': 'clear-text', 'token_expiration': 30}
    assert harbor_config.unknown_keys(current, {'banner_message': 'x', 'banner_mesage': 'y',
                                                'ldap_search_password': 'z'}) == ['banner_mesage']
    assert harbor_config.without_secrets(current) == {'auth_mode': 'db_auth', 'banner_message': '',
                                                      'token_expiration': 30}


class FakePolicyApi(object):
    """What Policy.remove sends: execution lists (one answer per call), stops, the delete."""

    def __init__(self, listings):
        self.params = {'name': 'ha-harbor3-event'}
        self.listings = list(listings)
        self.sent = []
        self.bodies = []

    def list(self, path, query=None):
        self.sent.append(('GET', path, query))
        return self.listings.pop(0) if len(self.listings) > 1 else self.listings[0]

    def request(self, method, path, query=None, body=None, ok=(200, 201)):
        self.sent.append((method, path))
        self.bodies.append(body)

    def delete(self, path):
        self.sent.append(('DELETE', path))


def test_policy_absent_stops_unfinished_executions_then_deletes(monkeypatch):
    monkeypatch.setattr(harbor_replication_policy.time, 'sleep', lambda seconds: None)
    api = FakePolicyApi([[{'id': 8, 'status': 'InProgress'}, {'id': 5, 'status': 'Failed'}],
                         [{'id': 8, 'status': 'Stopped'}, {'id': 5, 'status': 'Failed'}]])
    harbor_replication_policy.Policy(api).remove({'id': 3, 'name': 'ha-harbor3-event'})
    assert [s for s in api.sent if s[0] != 'GET'] == [('PUT', '/replication/executions/8'),
                                                      ('DELETE', '/replication/policies/3')]
    assert api.sent[0] == ('GET', '/replication/executions', {'policy_id': 3})


def test_policy_absent_disables_an_enabled_policy_before_it_stops_its_executions(monkeypatch):
    # A node that takes pushes starts a new execution of an enabled event-based policy after the last
    # one stopped: disabled first (the whole policy, as PUT replaces it), nothing new starts.
    monkeypatch.setattr(harbor_replication_policy.time, 'sleep', lambda seconds: None)
    existing = {'id': 3, 'name': 'ha-harbor3-event', 'enabled': True, 'override': True, 'deletion': True,
                'src_registry': {'id': 0}, 'dest_registry': {'id': 7, 'name': 'ha-harbor3'},
                'trigger': {'type': 'event_based', 'trigger_settings': {}},
                'filters': [{'type': 'name', 'value': 'apps/**'}]}
    api = FakePolicyApi([[{'id': 8, 'status': 'InProgress'}], [{'id': 8, 'status': 'Stopped'}]])
    harbor_replication_policy.Policy(api).remove(existing)
    assert [s for s in api.sent if s[0] != 'GET'] == [('PUT', '/replication/policies/3'),
                                                      ('PUT', '/replication/executions/8'),
                                                      ('DELETE', '/replication/policies/3')]
    assert api.sent[1] == ('GET', '/replication/executions', {'policy_id': 3})


def test_policy_absent_disable_keeps_every_other_field():
    existing = {'id': 3, 'name': 'ha-harbor3-event', 'enabled': True, 'override': True, 'deletion': True,
                'src_registry': {'id': 0}, 'dest_registry': {'id': 7, 'name': 'ha-harbor3'},
                'trigger': {'type': 'event_based', 'trigger_settings': {}},
                'filters': [{'type': 'name', 'value': 'apps/**'}]}
    api = FakePolicyApi([[]])
    harbor_replication_policy.Policy(api).remove(existing)
    assert api.sent[0] == ('PUT', '/replication/policies/3')
    assert harbor_replication_policy.current_state(api.bodies[0]) == \
        harbor_replication_policy.current_state(dict(existing, enabled=False))


def test_policy_absent_deletes_nothing_while_an_execution_will_not_stop(monkeypatch):
    monkeypatch.setattr(harbor_replication_policy.time, 'sleep', lambda seconds: None)
    monkeypatch.setattr(harbor_replication_policy, 'STOP_TIMEOUT', -1)
    api = FakePolicyApi([[{'id': 8, 'status': 'InProgress'}]])
    with pytest.raises(harbor_replication_policy.HarborError, match='executions 8 did not stop .* not deleted'):
        harbor_replication_policy.Policy(api).remove({'id': 3, 'name': 'ha-harbor3-event'})
    assert ('DELETE', '/replication/policies/3') not in api.sent
