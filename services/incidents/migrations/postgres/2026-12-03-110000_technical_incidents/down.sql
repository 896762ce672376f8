DROP TABLE technical_incident_revisions;
DROP TABLE technical_incidents;
