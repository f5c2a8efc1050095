"""Call recordings and their quality review (issue 16): where the files are, who may hear them,
the listening audit, the retention job, and the QA form's scoring."""
