"""ETL for CAR-based cell therapy trials in autoimmune disease: extract, transform, load."""
