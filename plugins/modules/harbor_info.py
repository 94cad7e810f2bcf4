#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: harbor_info
short_description: Read Harbor's health, system information and object lists
version_added: 0.1.0
description:
  - Reads what the roles and operators need to check a Harbor instance; changes nothing.
extends_documentation_fragment:
  - harborops.ha.harbor
attributes:
  check_mode:
    description: Only reads from Harbor, so it runs normally in check mode.
    support: full
    details:
      - This action does not modify state.
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: N/A
    details:
      - This action does not modify state.
  idempotent:
    description: Only reads.
    support: full
options:
  gather:
    description:
      - What to read.
      - V(repositories) and V(artifacts) cover O(project), or every project when O(project) is not set.
      - V(replication_executions) covers O(policy), or every policy when O(policy) is not set.
    type: list
    elements: str
    choices: [health, systeminfo, statistics, registries, replication_policies, replication_executions, projects,
              repositories, artifacts, users, robots]
    default: [health, systeminfo]
  project:
    description: Limit V(repositories) and V(artifacts) to this project.
    type: str
  policy:
    description: Limit V(replication_executions) to the replication policy of this name.
    type: str
'''

EXAMPLES = r'''
- name: Is Harbor healthy, which version is it?
  harborops.ha.harbor_info:
  register: harbor

- name: Fail unless every component is healthy
  ansible.builtin.assert:
    that: harbor.health.status == 'healthy'

- name: Digests of everything in the library project
  harborops.ha.harbor_info:
    gather: [artifacts]
    project: library
  register: library
'''

RETURN = r'''
health:
  description: C(GET /health) (overall C(status) and each component).
  returned: when V(health) is gathered
  type: dict
  sample: {status: healthy, components: [{name: core, status: healthy}]}
systeminfo:
  description: C(GET /systeminfo) (C(harbor_version), C(auth_mode), C(external_url), ...).
  returned: when V(systeminfo) is gathered
  type: dict
  sample: {harbor_version: v2.15.2-sim.1, auth_mode: db_auth}
statistics:
  description: C(GET /statistics) (project and repository counts, total storage).
  returned: when V(statistics) is gathered
  type: dict
  sample: {total_project_count: 2, total_repo_count: 5, total_storage_consumption: 1024}
registries:
  description: Registry endpoints (secrets masked by Harbor).
  returned: when V(registries) is gathered
  type: list
  elements: dict
replication_policies:
  description: Replication policies.
  returned: when V(replication_policies) is gathered
  type: list
  elements: dict
replication_executions:
  description: Replication executions, newest first.
  returned: when V(replication_executions) is gathered
  type: list
  elements: dict
projects:
  description: Projects.
  returned: when V(projects) is gathered
  type: list
  elements: dict
repositories:
  description: Repositories (C(name) includes the project).
  returned: when V(repositories) or V(artifacts) is gathered
  type: list
  elements: dict
artifacts:
  description: One entry per artifact with its repository, digest and tag names.
  returned: when V(artifacts) is gathered
  type: list
  elements: dict
  sample: [{repository: library/app, digest: 'sha256:0123abcd', tags: ['1.0', latest], media_type: application/vnd.oci.image.manifest.v1+json}]
users:
  description: Users (Harbor never lists the built-in admin).
  returned: when V(users) is gathered
  type: list
  elements: dict
robots:
  description: System robot accounts (no secrets).
  returned: when V(robots) is gathered
  type: list
  elements: dict
'''

from ansible_collections.harborops.ha.plugins.module_utils._harbor import HarborError, HarborModule

GATHER = ['health', 'systeminfo', 'statistics', 'registries', 'replication_policies', 'replication_executions',
          'projects', 'repositories', 'artifacts', 'users', 'robots']
SIMPLE_LISTS = {'registries': '/registries', 'replication_policies': '/replication/policies',
                'projects': '/projects', 'users': '/users', 'robots': '/robots'}


def repository_path(project, repository_name):
    """Harbor's artifact URLs take the repository without its project, '/' double-encoded."""
    short = repository_name[len(project) + 1:] if repository_name.startswith(project + '/') else repository_name
    return '/projects/%s/repositories/%s' % (project, short.replace('/', '%252F'))


def artifact_summary(repository_name, artifact):
    return {
        'repository': repository_name,
        'digest': artifact.get('digest'),
        'tags': sorted(t.get('name') for t in artifact.get('tags') or []),
        'media_type': artifact.get('media_type') or artifact.get('manifest_media_type'),
        'size': artifact.get('size'),
        'push_time': artifact.get('push_time'),
    }


def gather(module):
    params = module.params
    wanted = params['gather']
    for option in ('project', 'policy'):
        if params[option] is not None and not params[option].strip():
            raise HarborError('%s must not be empty (leave it out to cover every %s)' % (option, option))
    result = module.result
    for key, path in (('health', '/health'), ('systeminfo', '/systeminfo'), ('statistics', '/statistics')):
        if key in wanted:
            result[key] = module.get(path)
    for key, path in SIMPLE_LISTS.items():
        if key in wanted:
            result[key] = module.list(path)
    if 'replication_executions' in wanted:
        query = {}
        if params['policy']:
            policy = module.find_by_name('/replication/policies', params['policy'])
            if not policy:
                raise HarborError('policy: no replication policy named %r exists in Harbor' % params['policy'])
            query['policy_id'] = policy['id']
        result['replication_executions'] = module.list('/replication/executions', query)
    if 'repositories' in wanted or 'artifacts' in wanted:
        if params['project']:
            module.find_project(params['project'])
            projects = [params['project']]
        else:
            projects = [p['name'] for p in module.list('/projects')]
        repositories = []
        for project in projects:
            for repo in module.list('/projects/%s/repositories' % project):
                repo['project'] = project
                repositories.append(repo)
        result['repositories'] = repositories
        if 'artifacts' in wanted:
            artifacts = []
            for repo in repositories:
                path = repository_path(repo['project'], repo['name']) + '/artifacts'
                for artifact in module.list(path, {'with_tag': 'true'}):
                    artifacts.append(artifact_summary(repo['name'], artifact))
            result['artifacts'] = artifacts


def main():
    module = HarborModule(
        argument_spec=dict(
            gather=dict(type='list', elements='str', choices=GATHER, default=['health', 'systeminfo']),
            project=dict(type='str'),
            policy=dict(type='str'),
        ),
    )
    module.run(gather)


if __name__ == '__main__':
    main()
