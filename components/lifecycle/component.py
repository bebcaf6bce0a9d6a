"""Lifecycle: retraining pipelines, their triggers, and scheduled batch inference."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial

import pulumi
import pulumi_aws as aws

from ..aws_context import aws_identity
from ..context import Deployment
from ..dead_letters import dead_letter_queue_policy, dead_letters
from ..state_machines import MachineSpec, encrypted_state_machine, start_role
from .args import BatchArgs, LifecycleArgs, PipelineArgs
from .batch import batch_pipeline, batch_pipeline_name
from .definition import batch_output_uri, run_parameters
from .drift_runs import drift_run_definition
from .pipelines import jobs_security_group, pipeline_name, retraining_pipeline
from .roles import trigger_role
from .triggers import (
    SCHEDULER_RUN_ID,
    drift_trigger,
    failed_executions_alarm,
    pipeline_schedule,
)

# (physical pipeline name, pipeline, schedule expression, bucket -> a scheduled run's
# pipeline parameters)
_Scheduled = tuple[str, aws.sagemaker.Pipeline, str, Callable[[str], dict[str, str]]]


def _scheduled_run(family: str, bucket: str) -> dict[str, str]:
    """A scheduled retraining run writes under runs/<scheduler execution id>/."""
    return run_parameters(bucket, family, SCHEDULER_RUN_ID)


def _scheduled_batch_run(batch: BatchArgs, bucket: str) -> dict[str, str]:
    """A scheduled batch run writes its own folder under the output prefix."""
    return {"OutputS3Uri": batch_output_uri(bucket, batch, SCHEDULER_RUN_ID)}


class Lifecycle(pulumi.ComponentResource):
    """The ML lifecycle loop of the model families that configure it.

    Per retraining pipeline: a `sagemaker.Pipeline` (processing, training, evaluation,
    data-quality baseline, condition on the family's metric, registration of a
    PendingManualApproval version with model metrics and drift-check baselines, or a fail
    step) with its least-privilege role, an alarm on failed executions, optionally an
    EventBridge Scheduler schedule and a drift trigger (alarm on Model Monitor's drift
    metrics -> alert topic, and an EventBridge rule that, on ALARM, starts a KMS-encrypted
    Step Functions state machine shared by the drifting families, which starts the
    family's pipeline with that run's own output folder and alarms when it cannot).
    Per batch family: a model of the pinned version in the private subnets, a transform
    pipeline (KMS on outputs and volumes), its failed-executions alarm and schedule.
    Schedules share one KMS-encrypted dead-letter queue with an alarm. Jobs run in the
    private subnets behind one security group (HTTPS out, and among a job's instances).

    Outputs:
        pipeline_names: Physical names of every pipeline (retraining and batch).
        schedule_names: Physical names of the schedules.
        alarm_names: Names of the component's alarms (failed executions, drift, dead
            letters).
    """

    pipeline_names: pulumi.Output[list[str]]
    schedule_names: pulumi.Output[list[str]]
    alarm_names: pulumi.Output[list[str]]

    def __init__(
        self,
        name: str,
        args: LifecycleArgs,
        deployment: Deployment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlops:lifecycle:Lifecycle", name, None, opts)
        self._name, self._args, self._deployment = name, args, deployment
        self._ident = aws_identity()
        self._alarms: list[aws.cloudwatch.MetricAlarm] = []
        self._queue = self._trigger_queue() if self._has_triggers() else None
        names: list[str] = []
        scheduled: list[_Scheduled] = []
        if args.pipelines or args.batches:
            group = jobs_security_group(name, deployment, args.vpc_id, self)
            names, scheduled = self._pipelines(group)
        self._schedule_names = [s[0] for s in scheduled]
        if scheduled:
            self._schedules(scheduled)
        self.pipeline_names = pulumi.Output.from_input(names)
        self.schedule_names = pulumi.Output.from_input(self._schedule_names)
        self.alarm_names = pulumi.Output.all(*[a.name for a in self._alarms])
        self.register_outputs(
            {
                "pipeline_names": self.pipeline_names,
                "schedule_names": self.schedule_names,
                "alarm_names": self.alarm_names,
            }
        )

    def _pipelines(self, group: aws.ec2.SecurityGroup) -> tuple[list[str], list[_Scheduled]]:
        """Every pipeline with its failure alarm; the ones to schedule."""
        args, d, name = self._args, self._deployment, self._name
        names: list[str] = []
        scheduled: list[_Scheduled] = []
        drifting: list[tuple[PipelineArgs, aws.sagemaker.Pipeline]] = []
        for p in args.pipelines:
            pipeline, _ = retraining_pipeline(
                name, d, self._ident, p, args, group=group, parent=self
            )
            physical = pipeline_name(d, p.family)
            self._failure_alarm(physical, pipeline)
            names.append(physical)
            if p.schedule_expression is not None:
                runs = partial(_scheduled_run, p.family)
                scheduled.append((physical, pipeline, p.schedule_expression, runs))
            if p.drift is not None:
                drifting.append((p, pipeline))
        for b in args.batches:
            pipeline = batch_pipeline(name, d, self._ident, b, args, group=group, parent=self)
            physical = batch_pipeline_name(d, b.family)
            self._failure_alarm(physical, pipeline)
            names.append(physical)
            if b.schedule_expression is not None:
                runs = partial(_scheduled_batch_run, b)
                scheduled.append((physical, pipeline, b.schedule_expression, runs))
        if drifting:
            self._drift_triggers(drifting)
        return names, scheduled

    def _failure_alarm(self, physical: str, pipeline: aws.sagemaker.Pipeline) -> None:
        alarm = failed_executions_alarm(
            f"{self._name}-{physical}",
            self._deployment,
            pipeline_name=physical,
            topic_arn=self._args.alert_topic_arn,
            depends_on=pipeline,
            parent=pipeline,
        )
        self._alarms.append(alarm)

    def _schedules(self, scheduled: list[_Scheduled]) -> None:
        """One schedule per scheduled pipeline; one role and dead-letter queue for all."""
        args, d, name = self._args, self._deployment, self._name
        queue = self._queue
        assert queue is not None  # decided in __init__: there are triggers
        role = trigger_role(
            f"{name}-scheduler-role",
            d,
            role_name=d.name("pipeline-scheduler"),
            service="scheduler.amazonaws.com",
            pipeline_arns=[s[1].arn for s in scheduled],
            queue_arn=queue.arn,
            kms_key_arn=args.kms_key_arn,
            parent=self,
        )
        bucket = pulumi.Output.from_input(args.artifact_bucket_name)
        for physical, pipeline, expression, parameters in scheduled:
            pipeline_schedule(
                f"{name}-{physical}",
                d,
                pipeline_name=physical,
                expression=expression,
                parameters=bucket.apply(parameters),
                role=role,
                queue_arn=queue.arn,
                kms_key_arn=args.kms_key_arn,
                parent=pipeline,
            )

    def _has_triggers(self) -> bool:
        """Whether any schedule or drift rule starts a pipeline (they share one queue)."""
        pipelines, batches = self._args.pipelines, self._args.batches
        return any(
            p.schedule_expression is not None or p.drift is not None for p in pipelines
        ) or any(b.schedule_expression is not None for b in batches)

    def _trigger_queue(self) -> aws.sqs.Queue:
        """The one dead-letter queue (and its alarm) of the schedules and the drift rules."""
        args, d = self._args, self._deployment
        letters = dead_letters(
            f"{self._name}-dlq",
            d,
            queue_name=d.name("pipeline-triggers-dlq"),
            alarm_name=d.name("pipeline-triggers-dlq"),
            description="A schedule or drift rule could not start a run (see the dead-letter "
            "queue)",
            kms_key_arn=args.kms_key_arn,
            topic_arn=args.alert_topic_arn,
            parent=self,
            alarm_under_queue=True,
        )
        self._alarms.append(letters.alarm)
        return letters.queue

    def _drift_triggers(self, drifting: list[tuple[PipelineArgs, aws.sagemaker.Pipeline]]) -> None:
        """A drift alarm and retraining rule per family that configures one; the rules start
        the drift state machine, which starts the pipeline with the run's own folder."""
        args, d, name = self._args, self._deployment, self._name
        machine = self._drift_runs(drifting)
        role = start_role(
            f"{name}-drift-role",
            d,
            role_name=d.name("pipeline-drift"),
            machine_arn=machine.arn,
            parent=self,
            description="EventBridge starts retraining runs on drift.",
        )
        queue = self._queue
        assert queue is not None  # decided in __init__: there are triggers
        rule_arns: list[pulumi.Output[str]] = []
        for p, pipeline in drifting:
            assert p.drift is not None
            alarm, rule = drift_trigger(
                f"{name}-{p.family}",
                d,
                self._ident,
                family=p.family,
                drift=p.drift,
                machine_arn=machine.arn,
                role=role,
                topic_arn=args.alert_topic_arn,
                dead_letter_arn=queue.arn,
                parent=pipeline,
            )
            self._alarms.append(alarm)
            rule_arns.append(rule.arn)
        # EventBridge parks a start it could not deliver only where the queue allows it.
        dead_letter_queue_policy(
            f"{name}-dlq-policy", queue, sid="DriftRulesDeadLetters", rule_arns=rule_arns
        )

    def _drift_runs(
        self, drifting: list[tuple[PipelineArgs, aws.sagemaker.Pipeline]]
    ) -> aws.sfn.StateMachine:
        """The state machine that starts a family's pipeline with per-run locations."""
        args, d = self._args, self._deployment
        pipelines = {p.family: pipeline_name(d, p.family) for p, _ in drifting}
        definition = pulumi.Output.from_input(args.artifact_bucket_name).apply(
            lambda bucket: json.dumps(drift_run_definition(bucket, pipelines), indent=2)
        )
        spec = MachineSpec(
            machine_name=d.name("retrain-on-drift"),
            definition=definition,
            statements=lambda _machine_arn: [
                {
                    "Sid": "StartOwnPipelines",
                    "Effect": "Allow",
                    "Action": "sagemaker:StartPipelineExecution",
                    "Resource": [pipeline.arn for _, pipeline in drifting],
                }
            ],
            role_description="Step Functions starts retraining pipelines on drift.",
            failure_description="A retraining run on drift could not be started (see the "
            "execution's error): the drift alarm fired, no pipeline runs.",
        )
        machine, alarm = encrypted_state_machine(
            f"{self._name}-drift-runs",
            d,
            self._ident,
            spec,
            kms_key_arn=args.kms_key_arn,
            log_retention_days=args.log_retention_days,
            alert_topic_arn=args.alert_topic_arn,
            parent=self,
        )
        self._alarms.append(alarm)
        return machine
