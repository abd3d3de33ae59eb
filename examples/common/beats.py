"""Training an ArrhythmiNet on a beat task: the shipped model on one split scheme and, where
given, the same recipe on another scheme (the split by record), whose figures sit beside it."""
import json
import os
import time

from arrhythminet import ArrhythmiNet
from ecgtrain import arguments, dataset, evaluate_export, export, figures_section, predict, train, write_card


def train_beats(title, intro, config, task, runs, epochs, retrain, out_dir, batch=128):
    """runs: [(section title, model file, (train, val, test) splits)]; the first is model.onnx."""
    args = arguments()
    epochs = args.epochs or epochs
    # --only trains some runs and keeps the figures the card already holds for the others.
    models = previous_models(out_dir) if args.only else {}
    for section_title, model_file, parts in runs:
        if args.only and model_file not in args.only:
            continue
        _, x, y, meta = dataset(args.mitdb, task, parts[0], args.cache)
        _, vx, vy, _ = dataset(args.mitdb, task, parts[1], args.cache)
        test_dir, tx, ty, meta_test = dataset(args.mitdb, task, parts[2], args.cache)
        print(f"{model_file}: train {len(y)}, val {len(vy)}, test {len(ty)} windows", flush=True)
        run_start = time.time()
        model = ArrhythmiNet(classes=len(meta["classes"]), **config)
        train(model, (x, y), (vx, vy), len(meta["classes"]), epochs, batch=batch)
        path = os.path.join(out_dir, model_file)
        export(model, path, x.shape[1:], meta)
        figures = evaluate_export(path, test_dir, meta_test, predict(model, tx))
        figures.update(epochs=epochs, trainingSeconds=round(time.time() - run_start, 1))
        models[model_file] = figures
        sections = [figures_section(t, f, models[f], meta["classes"]) for t, f, _ in runs if f in models]
        print(json.dumps({k: figures[k] for k in ("split", "accuracy", "macroF1", "params", "argmaxAgreementWithTorch")}), flush=True)
        # The card is rewritten after every run, so a finished run is never lost.
        write_beats_card(title, intro, task, meta, x.shape[2], models, runs[0][1], sections, batch, retrain, out_dir)


def previous_models(out_dir):
    path = os.path.join(out_dir, "card.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)["models"]


def write_beats_card(title, intro, task, meta, length, models, first_file, sections, batch, retrain, out_dir):
    first = models[first_file]
    rows = [("task", f"`{task}` ({', '.join(meta['classes'])})"),
            ("data", f"MIT-BIH Arrhythmia Database, lead {meta['leads'][0]}, {meta['samplingRate']} Hz: {meta['howMade']}"),
            ("input", f"[N, 1, {length}]: {meta['window']['seconds'] * 1000:.0f} ms around the R peak (sample {meta['window']['rPeakAt']})"),
            ("preprocessing", f"`{json.dumps(meta['preprocessing'])}`"),
            ("parameters", f"{first['params']:,} ({first['weightBytesFloat32'] / 1024:.2f} KB as float32)"),
            ("MACs per inference", f"{first['macs']:,}"),
            ("training", f"Adam lr 1e-3, weight decay 1e-3, batch {batch}, {first['epochs']} epochs, ReduceLROnPlateau on the validation loss, cross-entropy weighted by the square root of inverse class frequency, the epoch with the best validation macro F1 kept")]
    write_card(out_dir, title, intro, rows, sections, models, sum(m["trainingSeconds"] for m in models.values()), retrain)
