// Starts this page's WASM bundle only once the page has loaded and the browser
// is idle: on a slow link the bundle must never compete with the page's own
// text, styles and icons, so there is no high-priority preload. The page works
// without it (forms post, links navigate); the bundle only adds live updates
// and in-place form answers.
//
// It follows the protocol of Leptos 0.8's own island loader: each
// `<leptos-island>` is hydrated by the bundle's export named in its
// `data-component`, an outer island before those inside it, and an island
// inside another's children first runs the `$$on_hydrate` callback the outer
// island left on its `<leptos-children>`.
((js, wasm) => {
	const childrenCallbacks = [];
	const hydrateIsland = async (mod, element, name) => {
		const island = mod[name];
		if (!island) {
			console.warn(`no island ${name} in ${js}`);
			return;
		}
		childrenCallbacks.at(-1)?.();
		await island(element);
	};
	const hydrateWithin = async (mod, node) => {
		for (const child of node.children) {
			if (child.localName === "leptos-island") {
				await hydrateIsland(mod, child, child.dataset.component);
				await hydrateWithin(mod, child);
			} else if (child.localName === "leptos-children") {
				childrenCallbacks.push(child.$$on_hydrate);
				await hydrateWithin(mod, child);
				childrenCallbacks.pop();
			} else {
				await hydrateWithin(mod, child);
			}
		}
	};
	const start = async () => {
		const mod = await import(js);
		window.__hydrateIsland = (element, name) => hydrateIsland(mod, element, name);
		await mod.default({ module_or_path: wasm });
		mod.hydrate();
		await hydrateWithin(mod, document.body);
	};
	const whenIdle = () =>
		"requestIdleCallback" in window ? requestIdleCallback(start, { timeout: 2000 }) : setTimeout(start, 0);
	if (document.readyState === "complete") {
		whenIdle();
	} else {
		addEventListener("load", whenIdle, { once: true });
	}
})
