"""Snakemake adapter: spiked-Gaussian predictions (theta, c, gamma) for one config point."""

from onestep.io import provenance, write_json
from onestep.jobs import start_job
from onestep.theory import predict_spike

log = start_job(snakemake)
model = dict(snakemake.params.model)
prediction = predict_spike(
    student=model["student"],
    teacher=model["teacher"],
    eta_t=model["eta_t"],
    psi=model["psi"],
    tau=model["tau"],
    center_labels=model["center_labels"],
)
log.info("%s", prediction)
write_json({**provenance(**model), "prediction": prediction.as_dict()}, snakemake.output[0])
