"""OIDs the SnmpClient tests read from the lab agents."""

SYS_NAME = "1.3.6.1.2.1.1.5.0"
ALARM_ACTIVE_TABLE = "1.3.6.1.2.1.118.1.2.2"
ENT_PHYSICAL_TABLE = "1.3.6.1.2.1.47.1.1.1"
