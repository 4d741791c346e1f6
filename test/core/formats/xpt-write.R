# Writes a small dataset with haven::write_xpt (SAS transport v5), for the test that our writer,
# given the metadata and stamps our reader finds in it, writes the same bytes.
# Usage: Rscript xpt-write.R OUT.xpt
out <- commandArgs(trailingOnly = TRUE)[[1]]
d <- data.frame(
  USUBJID = c("SUBJ-001", "SUBJ-002", "caf\u00e9", "  lead", ""),
  AGE = c(34, NA, 1 / 3, -118.625, 123456789012),
  SEX = c("F", "M", "", "U", "F"),
  stringsAsFactors = FALSE
)
attr(d$USUBJID, "label") <- "Unique Subject Identifier"
attr(d$AGE, "label") <- "Age"
haven::write_xpt(d, out, version = 5, name = "DM", label = "Demographics")
