"""Monitoring: the alert topic with an on-call e-mail, the alarms of one endpoint (named as
the endpoint's rollback expects) and the environment's dashboard.
"""

import pulumi

from components import Deployment, Monitoring, MonitoringArgs
from components.monitoring import EndpointAlarmThresholds, MonitoredEndpointArgs

deployment = Deployment(
    stack=pulumi.get_stack(),
    environment="dev",
    region=pulumi.Config("aws").require("region"),
    tags={"owner": "ml-platform", "cost-center": "4711"},
)

monitoring = Monitoring(
    "monitoring",
    MonitoringArgs(
        kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        dashboard_name=deployment.name("platform"),
        endpoints=[
            MonitoredEndpointArgs(
                endpoint_name=deployment.name("fraud"),
                endpoint=deployment.name("fraud"),
                key="fraud",
                thresholds=EndpointAlarmThresholds(latency_p99_ms=250),
            )
        ],
        alert_emails=["ml-platform-oncall@example.com"],
    ),
    deployment,
)

pulumi.export("alert_topic_arn", monitoring.topic_arn)
